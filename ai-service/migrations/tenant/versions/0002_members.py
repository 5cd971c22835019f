"""the account's members: owners and the language they chose

Revision ID: at0002
Revises: at0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "at0002"
down_revision = "at0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("user_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("owner", sa.Boolean),
        sa.Column("language", sa.String(5)),
        sa.Column("language_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=target_schema(),
    )


def downgrade() -> None:
    op.drop_table("members", schema=target_schema())
