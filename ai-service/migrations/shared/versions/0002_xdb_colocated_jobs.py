"""analysis_jobs moves to schema colocated: each tenant's jobs in the tenant's database, written in the same
transaction as its analysis (rows of tenants on other databases are carried there by `migrate`)

Revision ID: xdb_ai0002
Revises: ai0001
"""
from alembic import op

revision = "xdb_ai0002"
down_revision = "ai0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS colocated")
    op.execute("ALTER TABLE shared.analysis_jobs SET SCHEMA colocated")
    # Processes still running the previous code go on working through the old name until replaced.
    op.execute("CREATE VIEW shared.analysis_jobs AS SELECT * FROM colocated.analysis_jobs")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS shared.analysis_jobs")
    op.execute("ALTER TABLE colocated.analysis_jobs SET SCHEMA shared")
