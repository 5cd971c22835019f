"""staged_uploads moves to schema colocated: each tenant's rows in the tenant's database, so completing an
upload deletes its row in the same transaction as the image it made (rows of tenants on other databases are
carried there by `migrate`)

Revision ID: xdb_ms0003
Revises: ms0002
"""
from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "xdb_ms0003"
down_revision = "ms0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    move_to_colocated("staged_uploads")


def downgrade() -> None:
    move_back_to_shared("staged_uploads")
