"""storage purges of deleted tenants

Revision ID: ms0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "ms0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storage_purges",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("objects_deleted", sa.Integer, nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_table("storage_purges", schema="shared")
