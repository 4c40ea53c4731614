import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


alert_level = postgresql.ENUM("low", "high", "critical", name="alert_level", create_type=False)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(alert_level)
    raised_at: Mapped[datetime.datetime] = mapped_column(server_default=sa.func.now())
