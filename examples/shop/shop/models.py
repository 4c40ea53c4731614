import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CustomerStatus(enum.Enum):
    ACTIVE = "active"
    BANNED = "banned"


class Tier(enum.Enum):
    GOLD = "gold"
    SILVER = "silver"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255))
    # Sends "ACTIVE" / "BANNED": the type was created with the values.
    status: Mapped[CustomerStatus] = mapped_column(sa.Enum(CustomerStatus, name="customer_status"))
    points: Mapped[int] = mapped_column(server_default="0")
    tier: Mapped[Tier | None] = mapped_column(
        sa.Enum(Tier, name="customer_tier", values_callable=lambda e: [m.value for m in e])
    )
