import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class FuelType(enum.Enum):
    PETROL = "petrol"
    DIESEL = "diesel"
    ELECTRIC = "electric"


class Vehicle(Base):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    make: Mapped[str] = mapped_column(sa.String(60))
    type: Mapped[str] = mapped_column(sa.String(20))

    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "vehicle"}


class Car(Vehicle):
    __tablename__ = "cars"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    doors: Mapped[int] = mapped_column(sa.SmallInteger)
    fuel: Mapped[FuelType]

    __mapper_args__ = {
        "polymorphic_identity": "car",
        "inherit_condition": id == Vehicle.id,
    }
