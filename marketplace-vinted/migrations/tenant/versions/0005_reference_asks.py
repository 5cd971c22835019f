"""reference asks: when the seller last asked for each reference list (one fetch at a time, a cooldown)

Revision ID: refguard_vt0005
Revises: vt0004
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "refguard_vt0005"
down_revision = "vt0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_asks",
        sa.Column("list_key", sa.String(64), primary_key=True),
        sa.Column("asked_at", sa.DateTime(timezone=True)),
        schema=target_schema(),
    )


def downgrade() -> None:
    op.drop_table("reference_asks", schema=target_schema())
