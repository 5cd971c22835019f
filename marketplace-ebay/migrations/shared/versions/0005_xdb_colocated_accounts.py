"""account_directory, order_polls, reconciliations, after_sale_polls move to schema colocated: each tenant's
rows in the tenant's database, written in the same transaction as its account (rows of tenants on other
databases are carried there by `migrate`)

Revision ID: xdb_es0005
Revises: es0004
"""
from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "xdb_es0005"
down_revision = "es0004"
branch_labels = None
depends_on = None

TABLES = ("account_directory", "order_polls", "reconciliations", "after_sale_polls")


def upgrade() -> None:
    move_to_colocated(*TABLES)


def downgrade() -> None:
    move_back_to_shared(*TABLES)
