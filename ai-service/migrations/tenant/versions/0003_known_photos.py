"""the content hash of each photo media-service resolved, for cache hits without asking it again

Revision ID: at0003
Revises: at0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "at0003"
down_revision = "at0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_photos",
        sa.Column("image_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        schema=target_schema(),
    )


def downgrade() -> None:
    op.drop_table("known_photos", schema=target_schema())
