"""dispatch_tenants and relay_devices move to schema colocated: each tenant's rows in the tenant's database,
written in the same transaction as its jobs and devices (rows of tenants on other databases are carried there
by `migrate`)

Revision ID: xdb_vs0003
Revises: hvinted_vs0003
"""
from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "xdb_vs0003"
down_revision = "hvinted_vs0003"
branch_labels = None
depends_on = None

TABLES = ("dispatch_tenants", "relay_devices")


def upgrade() -> None:
    move_to_colocated(*TABLES)


def downgrade() -> None:
    move_back_to_shared(*TABLES)
