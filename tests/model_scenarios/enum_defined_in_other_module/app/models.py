from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.enums import InvoiceState


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    state: Mapped[InvoiceState] = mapped_column(
        sa.Enum(InvoiceState, name="invoice_state"), default=InvoiceState.DRAFT
    )
