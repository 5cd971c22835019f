"""pending brands: free-text brands a seller typed, kept out of the shared list until reviewed

Revision ID: ct0008
Revises: ct0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from vitrine_kit.db.migrations import target_schema

revision = "ct0008"
down_revision = "ct0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "pending_brands",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("normalised", sa.String(200), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("code", sa.String(80)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("reviewed_by", pg.UUID(as_uuid=True)),
        schema=s,
    )


def downgrade() -> None:
    op.drop_table("pending_brands", schema=target_schema())
