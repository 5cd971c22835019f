"""balances.period_source: whose period the monthly credits belong to (the free plan or a subscription)

Revision ID: b0002
Revises: b0001
"""
import sqlalchemy as sa
from alembic import op

revision = "b0002"
down_revision = "b0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("balances", sa.Column("period_source", sa.String(255)), schema="shared")


def downgrade() -> None:
    op.drop_column("balances", "period_source", schema="shared")
