"""ebay tenant tables: accounts, listings, order lines seen

Revision ID: et0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "et0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "ebay_accounts",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("connected_by", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("site", sa.String(16), nullable=False),
        sa.Column("ebay_user_id", sa.String(64), nullable=False),
        sa.Column("ebay_username", sa.String(200)),
        sa.Column("access_token_enc", sa.Text, nullable=False),
        sa.Column("refresh_token_enc", sa.Text),
        _ts("access_expires_at", False),
        _ts("refresh_expires_at"),
        sa.Column("scopes", pg.JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fulfillment_policy_id", sa.String(64)),
        sa.Column("payment_policy_id", sa.String(64)),
        sa.Column("return_policy_id", sa.String(64)),
        sa.Column("location_key", sa.String(36)),
        _ts("connected_at", False),
        _ts("updated_at", False),
        sa.UniqueConstraint("ebay_user_id", "site", name="uq_ebay_accounts_ebay_user_id"),
        schema=s,
    )
    op.create_table(
        "ebay_listings",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "account_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.ebay_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("publication_id", pg.UUID(as_uuid=True), unique=True),
        sa.Column("product_id", pg.UUID(as_uuid=True)),
        sa.Column("sku", sa.String(50), nullable=False),
        sa.Column("offer_id", sa.String(64)),
        sa.Column("listing_id", sa.String(64)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("quantity", sa.Integer),
        sa.Column("last_error", sa.Text),
        _ts("created_at", False),
        _ts("updated_at", False),
        schema=s,
    )
    op.create_index("ix_ebay_listings_account_id", "ebay_listings", ["account_id"], schema=s)
    op.create_index("ix_ebay_listings_listing_id", "ebay_listings", ["listing_id"], schema=s)
    op.create_table(
        "ebay_order_lines",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("line_item_id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.ebay_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("listing_id", sa.String(64), nullable=False),
        _ts("seen_at", False),
        schema=s,
    )
    op.create_index("ix_ebay_order_lines_account_id", "ebay_order_lines", ["account_id"], schema=s)


def downgrade() -> None:
    s = target_schema()
    for table in ("ebay_order_lines", "ebay_listings", "ebay_accounts"):
        op.drop_table(table, schema=s)
