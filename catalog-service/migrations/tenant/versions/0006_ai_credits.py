"""dashboard: AI credits spent per analysis, on the UTC day it finished

Revision ID: ct0006
Revises: ct0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from vitrine_kit.db.migrations import target_schema

revision = "ct0006"
down_revision = "ct0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = target_schema()
    # Keyed by analysis: a replayed ai.analysis.completed finds its row and counts nothing twice.
    op.create_table(
        "dashboard_ai_credits",
        sa.Column("analysis_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("credits", sa.Integer, nullable=False),
        schema=s,
    )
    # A period's sum by an index-only scan of its days.
    op.create_index(
        "ix_dashboard_ai_credits_day",
        "dashboard_ai_credits",
        ["day"],
        schema=s,
        postgresql_include=["credits"],
    )


def downgrade() -> None:
    s = target_schema()
    op.drop_index("ix_dashboard_ai_credits_day", "dashboard_ai_credits", schema=s)
    op.drop_table("dashboard_ai_credits", schema=s)
