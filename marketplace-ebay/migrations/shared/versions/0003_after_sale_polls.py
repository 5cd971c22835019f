"""after-sale sync schedule per account

Revision ID: es0003
Revises: es0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "es0003"
down_revision = "es0002"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "after_sale_polls",
        sa.Column("account_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        schema=S,
    )
    op.create_index("ix_after_sale_polls_next_at", "after_sale_polls", ["next_at"], schema=S)


def downgrade() -> None:
    op.drop_table("after_sale_polls", schema=S)
