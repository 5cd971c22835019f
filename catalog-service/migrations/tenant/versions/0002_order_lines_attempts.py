"""order lines (marketplace, order id, line id), stock before each line, cancellations; publication attempts

Revision ID: ct0002
Revises: ct0001
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import target_schema

revision = "ct0002"
down_revision = "ct0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column("orders", sa.Column("line_id", sa.String(200), nullable=False, server_default=""), schema=s)
    op.drop_constraint("uq_orders_marketplace", "orders", schema=s)
    op.create_unique_constraint("uq_orders_line", "orders", ["marketplace", "order_id", "line_id"], schema=s)
    op.add_column("orders", sa.Column("stock_before", sa.Integer), schema=s)
    op.add_column("orders", sa.Column("cancelled_at", sa.DateTime(timezone=True)), schema=s)
    op.create_index("ix_orders_product", "orders", ["product_id"], schema=s)
    # Publications made before attempts were numbered were each requested at least once.
    op.add_column(
        "publications", sa.Column("attempt", sa.Integer, nullable=False, server_default="1"), schema=s
    )
    op.alter_column("publications", "attempt", server_default="0", schema=s)


def downgrade() -> None:
    s = target_schema()
    op.drop_column("publications", "attempt", schema=s)
    op.drop_index("ix_orders_product", "orders", schema=s)
    op.drop_column("orders", "cancelled_at", schema=s)
    op.drop_column("orders", "stock_before", schema=s)
    op.drop_constraint("uq_orders_line", "orders", schema=s)
    op.create_unique_constraint("uq_orders_marketplace", "orders", ["marketplace", "order_id"], schema=s)
    op.drop_column("orders", "line_id", schema=s)
