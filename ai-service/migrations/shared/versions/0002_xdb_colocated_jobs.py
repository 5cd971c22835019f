"""analysis_jobs moves to schema colocated: each tenant's jobs in the tenant's database, written in the same
transaction as its analysis (rows of tenants on other databases are carried there by `migrate`)

Revision ID: xdb_ai0002
Revises: ai0001
"""
from vitrine_kit.db.migrations import move_back_to_shared, move_to_colocated

revision = "xdb_ai0002"
down_revision = "ai0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    move_to_colocated("analysis_jobs")


def downgrade() -> None:
    move_back_to_shared("analysis_jobs")
