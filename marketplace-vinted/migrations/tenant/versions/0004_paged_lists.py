"""paged lists: listings get a creation time; indexes back the newest-first order of listings, jobs, alerts

Revision ID: vt0004
Revises: vt0003
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "vt0004"
down_revision = "vt0003"
branch_labels = None
depends_on = None

# (index, table): each list pages newest first with the id as tiebreak, read backwards by the index.
INDEXES = (("ix_listings_created_at", "listings"), ("ix_jobs_created_at", "jobs"), ("ix_alerts_created_at", "alerts"))


def upgrade() -> None:
    s = target_schema()
    op.add_column("listings", sa.Column("created_at", sa.DateTime(timezone=True)), schema=s)
    # Listings from before: their listing (or closing) time is the best creation time there is.
    listings = sa.table("listings", sa.column("created_at"), sa.column("listed_at"), sa.column("closed_at"), schema=s)
    op.execute(
        listings.update().values(
            created_at=sa.func.coalesce(listings.c.listed_at, listings.c.closed_at, sa.func.now())
        )
    )
    op.alter_column(
        "listings", "created_at", nullable=False, server_default=sa.text("now()"), schema=s
    )
    for name, table in INDEXES:
        op.create_index(name, table, ["created_at", "id"], schema=s)


def downgrade() -> None:
    s = target_schema()
    for name, table in INDEXES:
        op.drop_index(name, table, schema=s)
    op.drop_column("listings", "created_at", schema=s)
