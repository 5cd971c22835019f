"""listings keyed by their own id (a linked item has no publication yet), with origin and title

Revision ID: vt0002
Revises: vt0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "vt0002"
down_revision = "vt0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column("listings", sa.Column("id", pg.UUID(as_uuid=True)), schema=s)
    op.add_column("listings", sa.Column("origin", sa.String(16), nullable=False, server_default="published"), schema=s)
    op.add_column("listings", sa.Column("title", sa.String(200)), schema=s)
    listings = sa.table("listings", sa.column("id"), sa.column("publication_id"), schema=s)
    op.execute(listings.update().values(id=listings.c.publication_id))
    op.alter_column("listings", "id", nullable=False, schema=s)
    op.drop_constraint("listings_pkey", "listings", type_="primary", schema=s)
    op.create_primary_key("listings_pkey", "listings", ["id"], schema=s)
    op.alter_column("listings", "publication_id", nullable=True, schema=s)
    op.create_unique_constraint("uq_listings_publication_id", "listings", ["publication_id"], schema=s)


def downgrade() -> None:
    s = target_schema()
    listings = sa.table("listings", sa.column("publication_id"), schema=s)
    op.execute(listings.delete().where(listings.c.publication_id.is_(None)))
    op.drop_constraint("uq_listings_publication_id", "listings", schema=s)
    op.drop_constraint("listings_pkey", "listings", type_="primary", schema=s)
    op.alter_column("listings", "publication_id", nullable=False, schema=s)
    op.create_primary_key("listings_pkey", "listings", ["publication_id"], schema=s)
    for column in ("title", "origin", "id"):
        op.drop_column("listings", column, schema=s)
