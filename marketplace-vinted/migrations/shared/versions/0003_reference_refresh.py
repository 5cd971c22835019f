"""the scheduled reference refresh: one row, locked by one replica's loop at a time

Revision ID: hvinted_vs0003
Revises: vs0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "hvinted_vs0003"
down_revision = "vs0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_refresh",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("run_id", pg.UUID(as_uuid=True)),
        sa.Column("run_tenant_id", pg.UUID(as_uuid=True)),
        sa.Column("run_started_at", sa.DateTime(timezone=True)),
        sa.Column("run_deadline", sa.DateTime(timezone=True)),
        sa.Column("pending", pg.ARRAY(sa.String(64)), nullable=False, server_default="{}"),
        sa.Column("last_succeeded_at", sa.DateTime(timezone=True)),
        sa.Column("last_failed_tenant_id", pg.UUID(as_uuid=True)),
        sa.Column("last_error", sa.String(500)),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name="reference_refresh_one_row"),
        schema="shared",
    )


def downgrade() -> None:
    op.drop_table("reference_refresh", schema="shared")
