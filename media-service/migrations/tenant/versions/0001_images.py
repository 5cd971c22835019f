"""images

Revision ID: mt0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "mt0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("source_format", sa.String(8), nullable=False),
        sa.Column("source_bytes", sa.BigInteger, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("original_format", sa.String(8), nullable=False),
        sa.Column("original_bytes", sa.BigInteger, nullable=False),
        sa.Column("derivatives", pg.JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("content_hash", name="uq_images_content_hash"),
        schema=target_schema(),
    )
    op.create_index("ix_images_created_at", "images", ["created_at"], schema=target_schema())


def downgrade() -> None:
    op.drop_table("images", schema=target_schema())
