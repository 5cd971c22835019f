"""revisions_due moves to schema colocated: each tenant's rows in the tenant's database, written in the same
transaction as the product change (rows of tenants on other databases are carried there by `migrate`)

Revision ID: xdb_c0005
Revises: hvinted_c0005
"""
from alembic import op

revision = "xdb_c0005"
down_revision = "hvinted_c0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS colocated")
    op.execute("ALTER TABLE shared.revisions_due SET SCHEMA colocated")
    # Processes still running the previous code go on working through the old name until replaced.
    op.execute("CREATE VIEW shared.revisions_due AS SELECT * FROM colocated.revisions_due")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS shared.revisions_due")
    op.execute("ALTER TABLE colocated.revisions_due SET SCHEMA shared")
