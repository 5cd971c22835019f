"""kit tables: tenant registry, outbox, inbox

Revision ID: kit0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "kit0001"
down_revision = None
branch_labels = None
depends_on = None
S = "shared"


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("schema_name", sa.String(63), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("revision", sa.String(64)),
        sa.Column("migrated_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        schema=S,
    )
    op.create_index(
        "ix_outbox_unsent", "outbox", ["seq"], schema=S, postgresql_where=sa.text("sent_at IS NULL")
    )
    op.create_index(
        "ix_outbox_sent_at", "outbox", ["sent_at"], schema=S, postgresql_where=sa.text("sent_at IS NOT NULL")
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("message_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=S,
    )
    # Wake the outbox relay on commit (NOTIFY is delivered only when the inserting transaction commits).
    op.execute(
        """
        CREATE OR REPLACE FUNCTION shared.outbox_notify() RETURNS trigger AS $$
        BEGIN PERFORM pg_notify('vitrine_outbox', ''); RETURN NULL; END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON shared.outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION shared.outbox_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON shared.outbox")
    op.execute("DROP FUNCTION IF EXISTS shared.outbox_notify()")
    op.drop_table("inbox", schema=S)
    op.drop_table("outbox", schema=S)
    op.drop_table("tenants", schema=S)
