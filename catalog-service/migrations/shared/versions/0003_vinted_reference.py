"""Vinted reference data: brands searched by trigram, a revision row for reloading reference data, and the
seed again (Vinted size groups on category mappings, sizes and brand ids from a first fetch)

Revision ID: c0003
Revises: c0002
"""
import sqlalchemy as sa
from alembic import op

from catalog_service.reference.seed import seed

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    # '%q%' over tens of thousands of brands: a trigram index, not a scan.
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_brands_search_trgm ON shared.brands "
        "USING gin (search_text public.gin_trgm_ops)"
    )
    op.create_index("ix_brands_name", "brands", ["name", "code"], schema=S)
    op.create_table(
        "reference_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.execute("INSERT INTO shared.reference_revision (id, revision, changed_at) VALUES (1, 0, now())")
    seed(op.get_bind())


def downgrade() -> None:
    op.drop_table("reference_revision", schema=S)
    op.drop_index("ix_brands_name", "brands", schema=S)
    op.execute("DROP INDEX IF EXISTS shared.ix_brands_search_trgm")
