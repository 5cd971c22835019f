"""the credit ledger

Revision ID: bt0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "bt0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "credit_ledger",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("monthly_delta", sa.Integer, nullable=False),
        sa.Column("purchased_delta", sa.Integer, nullable=False),
        sa.Column("monthly_after", sa.Integer, nullable=False),
        sa.Column("purchased_after", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(255)),
        sa.Column("grant_key", sa.String(255)),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("monthly_after >= 0 AND purchased_after >= 0", name="ck_credit_ledger_after_not_negative"),
        schema=s,
    )
    op.create_index(
        "uq_credit_ledger_grant_key", "credit_ledger", ["grant_key"], unique=True, schema=s,
        postgresql_where=sa.column("grant_key").isnot(None),
    )


def downgrade() -> None:
    op.drop_table("credit_ledger", schema=target_schema())
