"""revisions_due moves to schema colocated: each tenant's rows in the tenant's database, written in the same
transaction as the product change (rows of tenants on other databases are carried there by `migrate`)

Revision ID: xdb_c0005
Revises: hvinted_c0005
"""
from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "xdb_c0005"
down_revision = "hvinted_c0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    move_to_colocated("revisions_due")


def downgrade() -> None:
    move_back_to_shared("revisions_due")
