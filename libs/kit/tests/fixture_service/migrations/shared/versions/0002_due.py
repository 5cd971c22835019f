"""due (a colocated table: per-tenant rows a loop scans, kept in the tenant's database)

Revision ID: s0002
Revises: s0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "due",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("item", sa.String(50), primary_key=True),
        sa.Column("note", sa.String(50), nullable=False),
        schema="colocated",
    )


def downgrade() -> None:
    op.drop_table("due", schema="colocated")
