"""paged lists: an index backing the newest-first order of the listings

Revision ID: yt0002
Revises: yt0001
"""
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "yt0002"
down_revision = "yt0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_etsy_listings_created_at", "etsy_listings", ["created_at", "id"], schema=target_schema())


def downgrade() -> None:
    op.drop_index("ix_etsy_listings_created_at", "etsy_listings", schema=target_schema())
