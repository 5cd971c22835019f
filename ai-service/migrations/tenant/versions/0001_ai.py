"""analyses, the answer cache, the tenant's photo cap

Revision ID: at0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "at0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "analyses",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("product_id", pg.UUID(as_uuid=True)),
        sa.Column("image_ids", pg.ARRAY(pg.UUID(as_uuid=True)), nullable=False),
        sa.Column("label_image_id", pg.UUID(as_uuid=True)),
        sa.Column("image_hashes", pg.ARRAY(sa.String(128)), nullable=False),
        sa.Column("photo_limit", sa.Integer, nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("prompt_version", sa.String(80), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("text_model", sa.String(80), nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("credits", sa.Integer, nullable=False),
        sa.Column("credits_state", sa.String(20), nullable=False),
        sa.Column("reservation_key", sa.String(200)),
        sa.Column("pipeline", sa.String(20)),
        sa.Column("result", pg.JSONB),
        sa.Column("usage", pg.JSONB, nullable=False),
        sa.Column("error_code", sa.String(80)),
        sa.Column("error_detail", sa.Text),
        sa.Column("retryable", sa.Boolean),
        _ts("created_at", False),
        _ts("started_at"),
        _ts("finished_at"),
        _ts("updated_at", False),
        schema=s,
    )
    op.create_index("ix_analyses_created_at", "analyses", ["created_at", "id"], schema=s)
    op.create_index("ix_analyses_product_id", "analyses", ["product_id", "created_at"], schema=s)
    op.create_index("uq_analyses_idempotency_key", "analyses", ["idempotency_key"], unique=True, schema=s)
    op.create_index("ix_analyses_fingerprint", "analyses", ["fingerprint", "status"], schema=s)
    op.create_table(
        "analysis_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("prompt_version", sa.String(80), nullable=False),
        sa.Column("model", sa.String(80), nullable=False),
        sa.Column("text_model", sa.String(80), nullable=False),
        sa.Column("image_hashes", pg.ARRAY(sa.String(128)), nullable=False),
        sa.Column("image_ids", pg.ARRAY(pg.UUID(as_uuid=True)), nullable=False),
        sa.Column("analysis_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("pipeline", sa.String(20), nullable=False),
        sa.Column("result", pg.JSONB, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        schema=s,
    )
    op.create_index("ix_analysis_cache_expires_at", "analysis_cache", ["expires_at"], schema=s)
    op.create_table(
        "plan",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("plan", sa.String(40), nullable=False),
        sa.Column("photos_per_analysis", sa.Integer, nullable=False),
        _ts("changed_at", False),
        schema=s,
    )


def downgrade() -> None:
    s = target_schema()
    for table in ("plan", "analysis_cache", "analyses"):
        op.drop_table(table, schema=s)
