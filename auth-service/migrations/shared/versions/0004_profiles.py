"""profiles: a user's name and language; a tenant's country, seller type and business identifiers

Revision ID: a0004
Revises: a0003
"""
import sqlalchemy as sa
from alembic import op

revision = "a0004"
down_revision = "a0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("name", sa.String(100)), schema="shared")
    op.add_column("users", sa.Column("language", sa.String(2), nullable=False, server_default="en"), schema="shared")
    op.add_column("tenant_accounts", sa.Column("country", sa.String(2)), schema="shared")
    op.add_column("tenant_accounts", sa.Column("seller_type", sa.String(16)), schema="shared")
    op.add_column("tenant_accounts", sa.Column("company_name", sa.String(200)), schema="shared")
    op.add_column("tenant_accounts", sa.Column("vat_number", sa.String(16)), schema="shared")
    op.add_column("tenant_accounts", sa.Column("siret", sa.String(14)), schema="shared")


def downgrade() -> None:
    for column in ("siret", "vat_number", "company_name", "seller_type", "country"):
        op.drop_column("tenant_accounts", column, schema="shared")
    op.drop_column("users", "language", schema="shared")
    op.drop_column("users", "name", schema="shared")
