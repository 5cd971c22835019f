"""kit tables: the shard map (which database holds a tenant), and the tenant of each inbox row

Revision ID: kit0003
Revises: kit0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "kit0003"
down_revision = "kit0002"
branch_labels = None
depends_on = None
S = "shared"


def upgrade() -> None:
    # Created in every database of a service (one migration tree); only the home database's rows count.
    op.create_table(
        "tenant_shards",
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("shard", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("target", sa.String(32), nullable=True),
        sa.Column("previous", sa.String(32), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_tenant_shards"),
        schema=S,
    )
    # Placement counts tenants per shard.
    op.create_index("ix_tenant_shards_shard", "tenant_shards", ["shard"], schema=S)
    # Nullable, no default: adding it rewrites nothing. A moved tenant takes its inbox rows (no index: a
    # move scans the inbox once, a consumer writes it on every message).
    op.add_column("inbox", sa.Column("tenant_id", UUID(as_uuid=True), nullable=True), schema=S)


def downgrade() -> None:
    op.drop_column("inbox", "tenant_id", schema=S)
    op.drop_table("tenant_shards", schema=S)
