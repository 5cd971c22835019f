"""listings remember the publication's attempt; order lines keep what a cancellation gives back

Revision ID: et0002
Revises: et0001
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "et0002"
down_revision = "et0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column("ebay_listings", sa.Column("attempt", sa.Integer, nullable=False, server_default="0"), schema=s)
    op.add_column(
        "ebay_listings", sa.Column("attempt_done", sa.Boolean, nullable=False, server_default="false"), schema=s
    )
    op.add_column("ebay_listings", sa.Column("attempt_action", sa.String(10)), schema=s)
    op.add_column("ebay_listings", sa.Column("ended_at", sa.DateTime(timezone=True)), schema=s)
    op.add_column("ebay_order_lines", sa.Column("sku", sa.String(50)), schema=s)
    op.add_column(
        "ebay_order_lines", sa.Column("quantity", sa.Integer, nullable=False, server_default="1"), schema=s
    )
    op.add_column("ebay_order_lines", sa.Column("cancelled_at", sa.DateTime(timezone=True)), schema=s)


def downgrade() -> None:
    s = target_schema()
    for column in ("cancelled_at", "quantity", "sku"):
        op.drop_column("ebay_order_lines", column, schema=s)
    for column in ("ended_at", "attempt_action", "attempt_done", "attempt"):
        op.drop_column("ebay_listings", column, schema=s)
