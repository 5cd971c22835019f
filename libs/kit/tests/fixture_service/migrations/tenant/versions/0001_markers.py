"""markers and counters (tenant tables)

Revision ID: t0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "markers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("label", sa.String(100), nullable=False),
        schema=target_schema(),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False, server_default="0"),
        schema=target_schema(),
    )


def downgrade() -> None:
    op.drop_table("counters", schema=target_schema())
    op.drop_table("markers", schema=target_schema())
