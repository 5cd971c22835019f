"""paged lists: an index backing the newest-first order of the listings

Revision ID: et0004
Revises: et0003
"""
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "et0004"
down_revision = "et0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ebay_listings_created_at", "ebay_listings", ["created_at", "id"], schema=target_schema())


def downgrade() -> None:
    op.drop_index("ix_ebay_listings_created_at", "ebay_listings", schema=target_schema())
