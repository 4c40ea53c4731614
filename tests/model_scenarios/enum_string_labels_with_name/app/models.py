import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Bill(Base):
    __tablename__ = "bills"

    id = sa.Column(sa.Integer, primary_key=True)
    reference = sa.Column(sa.String(40), nullable=False)
    status = sa.Column(sa.Enum("draft", "sent", "paid", name="invoice_status"), nullable=False)
    total_cents = sa.Column(sa.BigInteger, nullable=False, server_default="0")
