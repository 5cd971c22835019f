"""AI suggestions per product and field, the analysis they come from, and each field's source

Revision ID: ct0004
Revises: ct0003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "ct0004"
down_revision = "ct0003"
branch_labels = None
depends_on = None


def _product_id(s: str) -> sa.Column[object]:
    return sa.Column(
        "product_id",
        pg.UUID(as_uuid=True),
        sa.ForeignKey(f"{s}.products.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "product_analyses",
        _product_id(s),
        sa.Column("analysis_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("flaws", pg.JSONB, nullable=False),
        sa.Column("drafts", pg.JSONB, nullable=False),
        sa.Column("price", pg.JSONB),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )
    op.create_table(
        "suggestions",
        _product_id(s),
        sa.Column("field", sa.String(60), primary_key=True),
        sa.Column("value", pg.JSONB, nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("analysis_id", pg.UUID(as_uuid=True), nullable=False),
        schema=s,
    )
    op.create_table(
        "field_sources",
        _product_id(s),
        sa.Column("field", sa.String(60), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("analysis_id", pg.UUID(as_uuid=True)),
        sa.Column("confidence", sa.Float),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        schema=s,
    )


def downgrade() -> None:
    s = target_schema()
    op.drop_table("field_sources", schema=s)
    op.drop_table("suggestions", schema=s)
    op.drop_table("product_analyses", schema=s)
