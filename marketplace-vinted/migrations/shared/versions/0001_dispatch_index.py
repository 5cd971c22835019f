"""dispatch index: which tenants have a plugin online and jobs due

Revision ID: vs0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "vs0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispatch_tenants",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("online", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("wake_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="shared",
    )
    op.create_index("ix_dispatch_tenants_due", "dispatch_tenants", ["online", "wake_at"], schema="shared")


def downgrade() -> None:
    op.drop_table("dispatch_tenants", schema="shared")
