"""etsy tenant tables: accounts, listings, listing images, receipt lines

Revision ID: yt0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "yt0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "etsy_accounts",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("connected_by", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("etsy_user_id", sa.BigInteger, nullable=False),
        sa.Column("shop_id", sa.BigInteger),
        sa.Column("shop_name", sa.String(200)),
        sa.Column("shop_url", sa.Text),
        sa.Column("currency", sa.String(3)),
        sa.Column("country", sa.String(2)),
        sa.Column("access_token_enc", sa.Text, nullable=False),
        sa.Column("refresh_token_enc", sa.Text),
        _ts("access_expires_at", False),
        _ts("refresh_expires_at"),
        sa.Column("scopes", pg.JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shipping_profile_id", sa.BigInteger),
        sa.Column("readiness_state_id", sa.BigInteger),
        sa.Column("return_policy_id", sa.BigInteger),
        _ts("connected_at", False),
        _ts("refreshed_at"),
        _ts("updated_at", False),
        sa.UniqueConstraint("etsy_user_id", name="uq_etsy_accounts_etsy_user_id"),
        schema=s,
    )
    op.create_table(
        "etsy_listings",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "account_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.etsy_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("publication_id", pg.UUID(as_uuid=True), unique=True),
        sa.Column("product_id", pg.UUID(as_uuid=True)),
        sa.Column("listing_id", sa.BigInteger),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("title", sa.String(140)),
        _ts("draft_requested_at"),
        sa.Column("url", sa.Text),
        sa.Column("sku", sa.String(32)),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("quantity", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("created_at", False),
        _ts("updated_at", False),
        schema=s,
    )
    op.create_index("ix_etsy_listings_account_id", "etsy_listings", ["account_id"], schema=s)
    op.create_index("ix_etsy_listings_listing_id", "etsy_listings", ["listing_id"], schema=s)
    op.create_table(
        "etsy_listing_images",
        sa.Column(
            "listing_row_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.etsy_listings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rank", sa.Integer, primary_key=True),
        sa.Column("media_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("listing_image_id", sa.BigInteger, nullable=False),
        _ts("uploaded_at", False),
        schema=s,
    )
    op.create_table(
        "etsy_receipt_lines",
        sa.Column("receipt_id", sa.BigInteger, primary_key=True),
        sa.Column("transaction_id", sa.BigInteger, primary_key=True),
        sa.Column(
            "account_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.etsy_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("listing_id", sa.BigInteger, nullable=False),
        _ts("reported_at", False),
        _ts("canceled_at"),
        schema=s,
    )
    op.create_index("ix_etsy_receipt_lines_account_id", "etsy_receipt_lines", ["account_id"], schema=s)


def downgrade() -> None:
    s = target_schema()
    for table in ("etsy_receipt_lines", "etsy_listing_images", "etsy_listings", "etsy_accounts"):
        op.drop_table(table, schema=s)
