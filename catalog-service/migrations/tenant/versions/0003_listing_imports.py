"""listing imports with their progress, and what each imported listing became

Revision ID: ct0003
Revises: ct0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "ct0003"
down_revision = "ct0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "listing_imports",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("marketplace", sa.String(20), nullable=False),
        sa.Column("account_id", pg.UUID(as_uuid=True)),
        sa.Column("total", sa.Integer),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )
    op.create_table(
        "imported_items",
        sa.Column(
            "import_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.listing_imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("external_listing_id", sa.String(200), primary_key=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("product_id", pg.UUID(as_uuid=True)),
        sa.Column("photos", sa.Integer, nullable=False),
        sa.Column("photos_failed", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )
    op.create_index("ix_alerts_open", "alerts", ["kind", "acknowledged_at"], schema=s)


def downgrade() -> None:
    s = target_schema()
    op.drop_index("ix_alerts_open", "alerts", schema=s)
    op.drop_table("imported_items", schema=s)
    op.drop_table("listing_imports", schema=s)
