"""reconciliation schedule per account; the directory keeps the account's site and refresh token (encrypted)
so that a deleted tenant's listings can still be ended

Revision ID: es0002
Revises: es0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "es0002"
down_revision = "es0001"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "reconciliations",
        sa.Column("account_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        schema=S,
    )
    op.create_index("ix_reconciliations_next_at", "reconciliations", ["next_at"], schema=S)
    # Accounts connected before: reconciled from now on.
    op.execute(
        f"INSERT INTO {S}.reconciliations (account_id, tenant_id, next_at, cursor) "
        f"SELECT account_id, tenant_id, now(), now() FROM {S}.order_polls ON CONFLICT DO NOTHING"
    )
    op.add_column("account_directory", sa.Column("site", sa.String(16)), schema=S)
    op.add_column("account_directory", sa.Column("refresh_token_enc", sa.Text), schema=S)


def downgrade() -> None:
    op.drop_column("account_directory", "refresh_token_enc", schema=S)
    op.drop_column("account_directory", "site", schema=S)
    op.drop_table("reconciliations", schema=S)
