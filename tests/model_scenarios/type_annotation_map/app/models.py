import datetime
import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Tier(enum.Enum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class Base(DeclarativeBase):
    type_annotation_map = {
        str: sa.String(50),
        datetime.datetime: sa.DateTime(timezone=True),
        Tier: sa.Enum(Tier, values_callable=lambda e: [m.value for m in e], name="tier"),
    }


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    tier: Mapped[Tier]
    renews_at: Mapped[datetime.datetime]
