"""receipt_polls moves to schema colocated: each tenant's schedule in the tenant's database, written in the
same transaction as its shop (rows of tenants on other databases are carried there by `migrate`); the shop
directory stays in shared (a shop held by one tenant across databases), claimed before the tenant's
transaction: `claimed_at` tells a claim being completed from a stale one

Revision ID: xdb_ys0002
Revises: ys0001
"""
import sqlalchemy as sa
from alembic import op

revision = "xdb_ys0002"
down_revision = "ys0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS colocated")
    op.execute("ALTER TABLE shared.receipt_polls SET SCHEMA colocated")
    # Processes still running the previous code go on working through the old name until replaced.
    op.execute("CREATE VIEW shared.receipt_polls AS SELECT * FROM colocated.receipt_polls")
    op.add_column(
        "shop_directory",
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_column("shop_directory", "claimed_at", schema="shared")
    op.execute("DROP VIEW IF EXISTS shared.receipt_polls")
    op.execute("ALTER TABLE colocated.receipt_polls SET SCHEMA shared")
