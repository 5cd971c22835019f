"""ebay shared tables: oauth states, account directory, order polls, deletion notices

Revision ID: es0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "es0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("site", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema=S,
    )
    op.create_table(
        "account_directory",
        sa.Column("account_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("ebay_user_id", sa.String(64), nullable=False),
        schema=S,
    )
    op.create_index("ix_account_directory_ebay_user_id", "account_directory", ["ebay_user_id"], schema=S)
    op.create_table(
        "order_polls",
        sa.Column("account_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        schema=S,
    )
    op.create_index("ix_order_polls_next_poll_at", "order_polls", ["next_poll_at"], schema=S)
    op.create_table(
        "deletion_notices",
        sa.Column("notification_id", sa.String(100), primary_key=True),
        sa.Column("ebay_user_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accounts_removed", sa.Integer, nullable=False),
        schema=S,
    )
    op.create_table(
        "command_attempts",
        sa.Column("message_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in ("command_attempts", "deletion_notices", "order_polls", "account_directory", "oauth_states"):
        op.drop_table(table, schema=S)
