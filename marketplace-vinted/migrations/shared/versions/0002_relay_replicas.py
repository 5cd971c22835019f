"""relay replicas' last heartbeat and which devices each holds (a dead replica's devices go offline)

Revision ID: vs0002
Revises: vs0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "vs0002"
down_revision = "vs0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relay_replicas",
        sa.Column("relay_instance", sa.String(200), primary_key=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("dead_at", sa.DateTime(timezone=True)),
        schema="shared",
    )
    op.create_table(
        "relay_devices",
        sa.Column("device_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("relay_instance", sa.String(200), nullable=False),
        sa.Column("connection_id", sa.String(64), nullable=False),
        schema="shared",
    )
    op.create_index("ix_relay_devices_relay_instance", "relay_devices", ["relay_instance"], schema="shared")


def downgrade() -> None:
    op.drop_table("relay_devices", schema="shared")
    op.drop_table("relay_replicas", schema="shared")
