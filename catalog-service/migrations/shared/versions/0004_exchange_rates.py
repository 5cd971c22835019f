"""exchange rates: ECB's reference rates per day (1 EUR = rate), read by every tenant

Revision ID: c0004
Revises: c0003
"""
import sqlalchemy as sa
from alembic import op

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("rate_date", sa.Date, primary_key=True),
        sa.Column("rate", sa.Numeric(18, 8), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name="exchange_rate_positive"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("exchange_rates", schema=S)
