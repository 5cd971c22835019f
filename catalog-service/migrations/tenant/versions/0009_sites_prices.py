"""publications per eBay site with the price each went out at; price rules, the seller's rates, default
eBay sites, the marketplace accounts reported connected

Revision ID: ct0009
Revises: ct0008
"""

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from vitrine_kit.db.migrations import target_schema

revision = "ct0009"
down_revision = "ct0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column(
        "publications", sa.Column("site", sa.String(20), nullable=False, server_default=""), schema=s
    )
    # eBay publications made before sites were chosen went to the one configured site.
    legacy_site = os.environ.get("CATALOG_EBAY_SITE", "EBAY_FR")
    op.execute(
        sa.text(f'UPDATE "{s}".publications SET site = :site WHERE marketplace = \'ebay\'').bindparams(
            site=legacy_site
        )
    )
    op.drop_constraint("uq_publications_product_id", "publications", schema=s)
    op.create_unique_constraint(
        "uq_publications_site", "publications", ["product_id", "marketplace", "site"], schema=s
    )
    op.add_column("publications", sa.Column("price_amount", sa.Numeric(12, 2)), schema=s)
    op.add_column("publications", sa.Column("price_currency", sa.String(3)), schema=s)
    op.add_column("publications", sa.Column("price_rate", sa.Numeric(18, 8)), schema=s)
    op.add_column("publications", sa.Column("price_rate_date", sa.Date), schema=s)
    op.add_column("publications", sa.Column("price_rate_source", sa.String(10)), schema=s)
    op.create_table(
        "price_rules",
        sa.Column("marketplace", sa.String(20), primary_key=True),
        sa.Column("site", sa.String(20), primary_key=True, server_default=""),
        sa.Column("coefficient", sa.Numeric(8, 4), nullable=False),
        sa.Column("fixed_amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("ending", sa.Numeric(3, 2)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("coefficient > 0", name="price_rule_coefficient_positive"),
        sa.CheckConstraint("ending IS NULL OR (ending >= 0 AND ending < 1)", name="price_rule_ending"),
        schema=s,
    )
    op.create_table(
        "exchange_rate_overrides",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("rate", sa.Numeric(18, 8), nullable=False),
        sa.Column("rate_date", sa.Date, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name="rate_override_positive"),
        schema=s,
    )
    op.create_table(
        "publish_defaults",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ebay_sites", pg.ARRAY(sa.String(20)), nullable=False, server_default="{}"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )
    op.create_table(
        "marketplace_accounts",
        sa.Column("account_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("marketplace", sa.String(20), nullable=False),
        sa.Column("site", sa.String(20), nullable=False, server_default=""),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )


def downgrade() -> None:
    s = target_schema()
    for table in ("marketplace_accounts", "publish_defaults", "exchange_rate_overrides", "price_rules"):
        op.drop_table(table, schema=s)
    for column in ("price_rate_source", "price_rate_date", "price_rate", "price_currency", "price_amount"):
        op.drop_column("publications", column, schema=s)
    # Only one publication per marketplace fits the old constraint: the newest eBay one stays.
    op.execute(
        f'DELETE FROM "{s}".publications WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER '
        "(PARTITION BY product_id, marketplace ORDER BY requested_at DESC, id) AS n "
        f'FROM "{s}".publications) AS ranked WHERE n > 1)'
    )
    op.drop_constraint("uq_publications_site", "publications", schema=s)
    op.create_unique_constraint(
        "uq_publications_product_id", "publications", ["product_id", "marketplace"], schema=s
    )
    op.drop_column("publications", "site", schema=s)
