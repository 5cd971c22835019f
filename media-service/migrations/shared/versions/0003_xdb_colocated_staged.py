"""staged_uploads moves to schema colocated: each tenant's rows in the tenant's database, so completing an
upload deletes its row in the same transaction as the image it made (rows of tenants on other databases are
carried there by `migrate`)

Revision ID: xdb_ms0003
Revises: ms0002
"""
from alembic import op

revision = "xdb_ms0003"
down_revision = "ms0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS colocated")
    op.execute("ALTER TABLE shared.staged_uploads SET SCHEMA colocated")
    # Processes still running the previous code go on working through the old name until replaced.
    op.execute("CREATE VIEW shared.staged_uploads AS SELECT * FROM colocated.staged_uploads")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS shared.staged_uploads")
    op.execute("ALTER TABLE colocated.staged_uploads SET SCHEMA shared")
