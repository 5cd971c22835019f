"""etsy shared tables: oauth states, shop directory, receipt polls, command attempts, rate budgets

Revision ID: ys0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "ys0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("verifier_enc", sa.Text, nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("used_at"),
        schema=S,
    )
    op.create_index("ix_oauth_states_expires_at", "oauth_states", ["expires_at"], schema=S)
    op.create_table(
        "shop_directory",
        sa.Column("shop_id", sa.BigInteger, primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", pg.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("etsy_user_id", sa.BigInteger, nullable=False),
        schema=S,
    )
    op.create_table(
        "receipt_polls",
        sa.Column("shop_id", sa.BigInteger, primary_key=True),
        sa.Column("tenant_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("account_id", pg.UUID(as_uuid=True), nullable=False),
        _ts("next_poll_at", False),
        _ts("cursor", False),
        _ts("last_polled_at"),
        sa.Column("last_error", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False),
        schema=S,
    )
    op.create_index("ix_receipt_polls_next_poll_at", "receipt_polls", ["next_poll_at"], schema=S)
    op.create_table(
        "command_attempts",
        sa.Column("message_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("publication_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("deliveries", sa.Integer, nullable=False),
        _ts("created_at", False),
        _ts("updated_at", False),
        sa.UniqueConstraint(
            "publication_id", "action", "attempt", name="uq_command_attempts_publication_id"
        ),
        schema=S,
    )
    op.create_index("ix_command_attempts_updated_at", "command_attempts", ["updated_at"], schema=S)
    op.create_table(
        "rate_budgets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("rate_per_s", sa.Float, nullable=False),
        sa.Column("burst", sa.Float, nullable=False),
        sa.Column("tokens", sa.Float, nullable=False),
        _ts("updated_at", False),
        _ts("paused_until"),
        _ts("seller_waiting_until"),
        sa.Column("remaining_today", sa.Integer),
        sa.Column("limit_per_day", sa.Integer),
        _ts("remaining_seen_at"),
        schema=S,
    )


def downgrade() -> None:
    for table in ("rate_budgets", "command_attempts", "receipt_polls", "shop_directory", "oauth_states"):
        op.drop_table(table, schema=S)
