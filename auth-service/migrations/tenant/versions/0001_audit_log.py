"""audit log of tenant-level actions

Revision ID: at0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "at0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", pg.UUID(as_uuid=True)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("details", pg.JSONB, nullable=False),
        schema=target_schema(),
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], schema=target_schema())


def downgrade() -> None:
    op.drop_table("audit_log", schema=target_schema())
