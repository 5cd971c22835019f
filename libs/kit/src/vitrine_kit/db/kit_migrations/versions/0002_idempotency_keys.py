"""kit tables: idempotency keys (the stored answers of keyed POSTs, per tenant)

Revision ID: kit0002
Revises: kit0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "kit0002"
down_revision = "kit0001"
branch_labels = None
depends_on = None
S = "shared"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "key", name="pk_idempotency_keys"),
        schema=S,
    )
    # The purge loop's scan: oldest first, without reading live keys.
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"], schema=S)


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema=S)
