"""recipients' languages; digest lines keep their item's facts

Revision ID: nt0002
Revises: nt0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "nt0002"
down_revision = "nt0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.add_column("recipients", sa.Column("language", sa.String(5)), schema=s)
    op.add_column("recipients", sa.Column("language_at", sa.DateTime(timezone=True)), schema=s)
    op.add_column(
        "digest_entries",
        sa.Column("data", pg.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema=s,
    )


def downgrade() -> None:
    s = target_schema()
    op.drop_column("digest_entries", "data", schema=s)
    op.drop_column("recipients", "language_at", schema=s)
    op.drop_column("recipients", "language", schema=s)
