"""marketplace_slots: the marketplace accounts a tenant connected, counted against its plan

Revision ID: b0003
Revises: b0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "b0003"
down_revision = "b0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketplace_slots",
        sa.Column(
            "tenant_id",
            UUID(as_uuid=True),
            sa.ForeignKey("shared.accounts.tenant_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("marketplace", sa.String(30), primary_key=True),
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_table("marketplace_slots", schema="shared")
