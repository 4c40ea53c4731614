import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class WidgetKind(enum.Enum):
    GEAR = "gear"
    SPRING = "spring"


class Widget(Base):
    __tablename__ = "widgets"
    __table_args__ = {"schema": "inventory"}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[WidgetKind] = mapped_column(sa.Enum(WidgetKind, name="widget_kind", inherit_schema=True))
    quantity: Mapped[int] = mapped_column(server_default="0")
