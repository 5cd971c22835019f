"""account_directory, order_polls, reconciliations, after_sale_polls move to schema colocated: each tenant's
rows in the tenant's database, written in the same transaction as its account (rows of tenants on other
databases are carried there by `migrate`)

Revision ID: xdb_es0005
Revises: es0004
"""
from alembic import op

revision = "xdb_es0005"
down_revision = "es0004"
branch_labels = None
depends_on = None

TABLES = ("account_directory", "order_polls", "reconciliations", "after_sale_polls")


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS colocated")
    for table in TABLES:
        op.execute(f"ALTER TABLE shared.{table} SET SCHEMA colocated")
        # Processes still running the previous code go on working through the old name until replaced.
        op.execute(f"CREATE VIEW shared.{table} AS SELECT * FROM colocated.{table}")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP VIEW IF EXISTS shared.{table}")
        op.execute(f"ALTER TABLE colocated.{table} SET SCHEMA shared")
