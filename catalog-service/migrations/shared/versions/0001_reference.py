"""reference data: values, brands, marketplace mappings; seeded from the committed data files

Revision ID: c0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from catalog_service.reference.seed import seed

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "reference_values",
        sa.Column("type", sa.String(40), primary_key=True),
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("parent", sa.String(80)),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("labels", pg.JSONB, nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        schema=S,
    )
    op.create_table(
        "brands",
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", pg.ARRAY(sa.Text), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        schema=S,
    )
    op.create_table(
        "marketplace_mappings",
        sa.Column("marketplace", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("gender", sa.String(20), primary_key=True),
        sa.Column("site", sa.String(20), primary_key=True),
        sa.Column("external_id", sa.String(80), nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        schema=S,
    )
    seed(op.get_bind())


def downgrade() -> None:
    for table in ("marketplace_mappings", "brands", "reference_values"):
        op.drop_table(table, schema=S)
