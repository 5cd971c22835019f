"""dispatch_tenants and relay_devices move to schema colocated: each tenant's rows in the tenant's database,
written in the same transaction as its jobs and devices (rows of tenants on other databases are carried there
by `migrate`)

Revision ID: xdb_vs0003
Revises: hvinted_vs0003
"""
from alembic import op

revision = "xdb_vs0003"
down_revision = "hvinted_vs0003"
branch_labels = None
depends_on = None

TABLES = ("dispatch_tenants", "relay_devices")


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
