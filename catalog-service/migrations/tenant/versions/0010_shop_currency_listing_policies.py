"""the currency a marketplace account sells in (an Etsy shop's); the eBay business policies a publication
names (None: the account's default set)

Revision ID: hebay0010
Revises: ct0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from vitrine_kit.db.migrations import target_schema

revision = "hebay0010"
down_revision = "ct0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column("marketplace_accounts", sa.Column("currency", sa.String(3)), schema=s)
    op.add_column("publications", sa.Column("listing_policies", pg.JSONB), schema=s)


def downgrade() -> None:
    s = target_schema()
    op.drop_column("publications", "listing_policies", schema=s)
    op.drop_column("marketplace_accounts", "currency", schema=s)
