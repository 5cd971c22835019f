"""mail queue and per-tenant schedule

Revision ID: n0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "n0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("dedup_key", sa.String(80), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("lines", pg.JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("dedup_key", "user_id", name="uq_mails_dedup_key"),
        schema=S,
    )
    op.create_index("ix_mails_tenant_id", "mails", ["tenant_id"], schema=S)
    op.create_index(
        "ix_mails_due", "mails", ["next_attempt_at"], schema=S, postgresql_where=sa.column("status") == "pending"
    )
    op.create_table(
        "scheduled",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("task", sa.String(20), primary_key=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_scheduled_due_at", "scheduled", ["due_at"], schema=S)


def downgrade() -> None:
    op.drop_table("scheduled", schema=S)
    op.drop_table("mails", schema=S)
