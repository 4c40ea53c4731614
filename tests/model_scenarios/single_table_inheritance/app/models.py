import enum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Discipline(enum.Enum):
    BACKEND = "backend"
    FRONTEND = "frontend"
    DATA = "data"


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(20))

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "employee"}


class Manager(Employee):
    budget: Mapped[Optional[int]]

    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    discipline: Mapped[Optional[Discipline]] = mapped_column(sa.Enum(Discipline))

    __mapper_args__ = {"polymorphic_identity": "engineer"}
