"""prompt versions; the queue of analyses to run

Revision ID: ai0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "ai0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "prompt_versions",
        sa.Column("version", sa.String(80), primary_key=True),
        sa.Column("reference_fingerprint", sa.String(40), nullable=False),
        sa.Column("texts", pg.JSONB, nullable=False),
        _ts("created_at", False),
        schema=S,
    )
    op.create_table(
        "analysis_jobs",
        sa.Column("analysis_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("settlement", sa.String(20)),
        sa.Column("reservation_key", sa.String(200)),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("available_at", False),
        _ts("lease_until"),
        sa.Column("last_error", sa.Text),
        _ts("created_at", False),
        _ts("updated_at", False),
        schema=S,
    )
    op.create_index("ix_analysis_jobs_due", "analysis_jobs", ["state", "available_at"], schema=S)


def downgrade() -> None:
    for table in ("analysis_jobs", "prompt_versions"):
        op.drop_table(table, schema=S)
