"""Vinted account, plugin devices, the job queue, listings, alerts

Revision ID: vt0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "vt0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "vinted_account",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("vinted_user_id", sa.BigInteger),
        sa.Column("login", sa.String(200)),
        sa.Column("domain", sa.String(100)),
        sa.Column("logged_in", sa.Boolean, nullable=False),
        _ts("session_checked_at"),
        _ts("session_expired_at"),
        sa.Column("writes_per_hour", sa.Integer, nullable=False),
        sa.Column("min_gap_s", sa.Float, nullable=False),
        sa.Column("max_gap_s", sa.Float, nullable=False),
        sa.Column("pause_every", sa.Integer, nullable=False),
        sa.Column("pause_s", sa.Float, nullable=False),
        sa.Column("writes_since_pause", sa.Integer, nullable=False),
        _ts("next_write_at", False),
        _ts("blocked_until"),
        schema=s,
    )
    op.create_table(
        "plugin_devices",
        sa.Column("device_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("relay_instance", sa.String(200), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("online", sa.Boolean, nullable=False),
        sa.Column("max_in_flight", sa.Integer, nullable=False),
        sa.Column("capabilities", pg.JSONB, nullable=False),
        _ts("seen_at", False),
        schema=s,
    )
    op.create_table(
        "jobs",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("params", pg.JSONB, nullable=False),
        sa.Column("context", pg.JSONB, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("device_id", pg.UUID(as_uuid=True)),
        _ts("not_before", False),
        _ts("dispatched_at"),
        _ts("lease_until"),
        _ts("created_at", False),
        _ts("completed_at"),
        sa.Column("result", pg.JSONB),
        sa.Column("error", pg.JSONB),
        sa.Column("calls", pg.JSONB),
        schema=s,
    )
    op.create_index("ix_jobs_due", "jobs", ["status", "priority", "not_before"], schema=s)
    op.create_table(
        "listings",
        sa.Column("publication_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("product_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("vinted_item_id", sa.BigInteger, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("url", sa.String(500)),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("currency", sa.String(3)),
        _ts("listed_at"),
        _ts("closed_at"),
        schema=s,
    )
    op.create_table(
        "seen_orders",
        sa.Column("transaction_id", sa.BigInteger, primary_key=True),
        sa.Column("vinted_item_id", sa.BigInteger, nullable=False),
        _ts("seen_at", False),
        schema=s,
    )
    op.create_table(
        "alerts",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(200)),
        _ts("created_at", False),
        _ts("resolved_at"),
        schema=s,
    )


def downgrade() -> None:
    s = target_schema()
    for table in ("alerts", "seen_orders", "listings", "jobs", "plugin_devices", "vinted_account"):
        op.drop_table(table, schema=s)
