"""Vinted ids no longer offered are retired, not deleted: retired_at on mappings and brands (with the brand's
source), and the fetches of whole Vinted lists arriving in parts

Revision ID: hvinted_c0005
Revises: c0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from catalog_service.reference.seed import load

revision = "hvinted_c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.add_column("marketplace_mappings", sa.Column("retired_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column("brands", sa.Column("retired_at", sa.DateTime(timezone=True)), schema=S)
    op.add_column(
        "brands", sa.Column("source", sa.String(20), nullable=False, server_default="vitrine"), schema=S
    )
    # Brands Vinted's answers added so far: mapped from Vinted and not in the committed list.
    brands = sa.table("brands", sa.column("code", sa.String), sa.column("source", sa.String), schema=S)
    mappings = sa.table(
        "marketplace_mappings",
        sa.column("marketplace", sa.String),
        sa.column("kind", sa.String),
        sa.column("code", sa.String),
        sa.column("data", pg.JSONB),
        schema=S,
    )
    from_vinted = sa.select(mappings.c.code).where(
        mappings.c.marketplace == "vinted",
        mappings.c.kind == "brand",
        mappings.c.data["source"].astext == "vinted",
    )
    ours = [b["code"] for b in load("brands")]
    op.execute(
        sa.update(brands)
        .where(brands.c.code.in_(from_vinted), brands.c.code.not_in(ours))
        .values(source="vinted")
    )
    op.create_table(
        "vinted_reference_fetches",
        sa.Column("fetch_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_table(
        "vinted_reference_parts",
        sa.Column("fetch_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("offset", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("ids", pg.ARRAY(sa.BigInteger), nullable=False, server_default="{}"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("vinted_reference_parts", schema=S)
    op.drop_table("vinted_reference_fetches", schema=S)
    op.drop_column("brands", "source", schema=S)
    op.drop_column("brands", "retired_at", schema=S)
    op.drop_column("marketplace_mappings", "retired_at", schema=S)
