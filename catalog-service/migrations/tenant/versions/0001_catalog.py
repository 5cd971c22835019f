"""products, publications, orders, alerts, quota

Revision ID: ct0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "ct0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "products",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock_quantity", sa.Integer, nullable=False),
        sa.Column("brand", sa.String(80)),
        sa.Column("category", sa.String(80)),
        sa.Column("size_system", sa.String(20)),
        sa.Column("size", sa.String(20)),
        sa.Column("colours", pg.ARRAY(sa.String(40)), nullable=False),
        sa.Column("materials", pg.JSONB, nullable=False),
        sa.Column("condition", sa.String(40)),
        sa.Column("gender", sa.String(20)),
        sa.Column("measurements_cm", pg.JSONB, nullable=False),
        sa.Column("attributes", pg.JSONB, nullable=False),
        sa.Column("flaws", pg.ARRAY(sa.Text), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("images", pg.JSONB, nullable=False),
        _ts("sold_at"),
        _ts("deleted_at"),
        _ts("created_at", False),
        _ts("updated_at", False),
        sa.CheckConstraint("stock_quantity >= 0", name="ck_products_stock_not_negative"),
        schema=s,
    )
    op.create_index(
        "uq_products_sku_live", "products", ["sku"], unique=True, schema=s,
        postgresql_where=sa.column("deleted_at").is_(None),
    )
    op.create_index("ix_products_created_at", "products", ["created_at", "id"], schema=s)
    op.create_index("ix_products_status", "products", ["status"], schema=s)
    op.create_table(
        "publications",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("product_id", pg.UUID(as_uuid=True), sa.ForeignKey(f"{s}.products.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("marketplace", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200)),
        sa.Column("url", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("reason_code", sa.String(100)),
        sa.Column("retryable", sa.Boolean),
        _ts("requested_at", False),
        _ts("listed_at"),
        _ts("delisted_at"),
        _ts("updated_at", False),
        sa.UniqueConstraint("product_id", "marketplace", name="uq_publications_product_id"),
        schema=s,
    )
    op.create_index("ix_publications_external", "publications", ["marketplace", "external_id"], schema=s)
    op.create_table(
        "orders",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("marketplace", sa.String(20), nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("product_id", pg.UUID(as_uuid=True)),
        sa.Column("external_listing_id", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        _ts("ordered_at", False),
        _ts("received_at", False),
        sa.UniqueConstraint("marketplace", "order_id", name="uq_orders_marketplace"),
        schema=s,
    )
    op.create_table(
        "alerts",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("product_id", pg.UUID(as_uuid=True)),
        sa.Column("details", pg.JSONB, nullable=False),
        _ts("created_at", False),
        _ts("acknowledged_at"),
        schema=s,
    )
    quota = op.create_table(
        "quota",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan", sa.String(40)),
        sa.Column("product_limit", sa.Integer),
        sa.Column("product_count", sa.Integer, nullable=False),
        _ts("plan_changed_at"),
        schema=s,
    )
    op.bulk_insert(quota, [{"id": 1, "plan": None, "product_limit": None, "product_count": 0}])


def downgrade() -> None:
    s = target_schema()
    for table in ("quota", "alerts", "orders", "publications", "products"):
        op.drop_table(table, schema=s)
