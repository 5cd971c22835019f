"""revisions due: products whose live listings get one revise once the edit window has passed

Revision ID: c0002
Revises: c0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "revisions_due",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("product_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_change_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_revisions_due_due_at", "revisions_due", ["due_at"], schema=S)


def downgrade() -> None:
    op.drop_table("revisions_due", schema=S)
