"""after-sale cases: cancellations, returns, inquiries and payment disputes read from eBay

Revision ID: et0003
Revises: et0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "et0003"
down_revision = "et0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "ebay_after_sale_cases",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "account_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.ebay_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64)),
        sa.Column("line_item_id", sa.String(64)),
        sa.Column("listing_id", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("ebay_status", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(100)),
        sa.Column("buyer", sa.String(200)),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("respond_by", sa.DateTime(timezone=True)),
        sa.Column("actions", pg.JSONB, nullable=False, server_default="[]"),
        sa.Column("revision", sa.Integer),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("account_id", "kind", "external_id"),
        schema=s,
    )
    op.create_index("ix_ebay_after_sale_cases_account_id", "ebay_after_sale_cases", ["account_id"], schema=s)
    op.create_index("ix_ebay_after_sale_cases_order_id", "ebay_after_sale_cases", ["order_id"], schema=s)
    op.create_index("ix_ebay_after_sale_cases_status", "ebay_after_sale_cases", ["status"], schema=s)


def downgrade() -> None:
    op.drop_table("ebay_after_sale_cases", schema=target_schema())
