"""receipt_polls moves to schema colocated: each tenant's schedule in the tenant's database, written in the
same transaction as its shop (rows of tenants on other databases are carried there by `migrate`); the shop
directory stays in shared (a shop held by one tenant across databases), claimed before the tenant's
transaction: `claimed_at` tells a claim being completed from a stale one

Revision ID: xdb_ys0002
Revises: ys0001
"""
import sqlalchemy as sa
from alembic import op

from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "xdb_ys0002"
down_revision = "ys0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    move_to_colocated("receipt_polls")
    op.add_column(
        "shop_directory",
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_column("shop_directory", "claimed_at", schema="shared")
    move_back_to_shared("receipt_polls")
