"""staged_uploads: direct uploads handed out and not completed yet, swept once expired

Revision ID: ms0002
Revises: ms0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "ms0002"
down_revision = "ms0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staged_uploads",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema="shared",
    )
    op.create_index("ix_staged_uploads_expires_at", "staged_uploads", ["expires_at"], schema="shared")


def downgrade() -> None:
    op.drop_table("staged_uploads", schema="shared")
