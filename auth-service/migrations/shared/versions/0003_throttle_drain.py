"""login throttle: the account lock's failures drain over time (a leaky bucket)

Revision ID: a0003
Revises: a0002
"""
import sqlalchemy as sa
from alembic import op

revision = "a0003"
down_revision = "a0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("login_throttle", sa.Column("drained_at", sa.DateTime(timezone=True)), schema="shared")


def downgrade() -> None:
    op.drop_column("login_throttle", "drained_at", schema="shared")
