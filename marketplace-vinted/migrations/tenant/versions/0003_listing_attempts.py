"""listings remember the last publication attempt seen and a delist waiting for a publish still out

Revision ID: vt0003
Revises: vt0002
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "vt0003"
down_revision = "vt0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column("listings", sa.Column("attempt", sa.Integer), schema=s)
    op.add_column("listings", sa.Column("delist_attempt", sa.Integer), schema=s)


def downgrade() -> None:
    s = target_schema()
    op.drop_column("listings", "delist_attempt", schema=s)
    op.drop_column("listings", "attempt", schema=s)
