"""identity: users, tenants, memberships, tokens, keys, throttling, plugin devices, service clients

Revision ID: a0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "a0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _ts("email_verified_at"),
        _ts("password_changed_at", False),
        _ts("created_at", False),
        schema=S,
    )
    op.create_table(
        "tenant_accounts",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("plan", sa.String(50), nullable=False),
        _ts("created_at", False),
        schema=S,
    )
    op.create_table(
        "memberships",
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("shared.tenant_accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id", pg.UUID(as_uuid=True), sa.ForeignKey("shared.users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("role", sa.String(16), nullable=False),
        _ts("created_at", False),
        schema=S,
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"], schema=S)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("family_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", pg.UUID(as_uuid=True), sa.ForeignKey("shared.users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("shared.tenant_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("rotated_at"),
        sa.Column("replaced_by", pg.UUID(as_uuid=True)),
        _ts("revoked_at"),
        sa.Column("revoked_reason", sa.String(32)),
        schema=S,
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], schema=S)
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"], schema=S)
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("user_id", pg.UUID(as_uuid=True), sa.ForeignKey("shared.users.id", ondelete="CASCADE"), nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("used_at"),
        schema=S,
    )
    op.create_index("ix_one_time_tokens_user_id", "one_time_tokens", ["user_id"], schema=S)
    op.create_table(
        "invitations",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("shared.tenant_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("invited_by", pg.UUID(as_uuid=True), sa.ForeignKey("shared.users.id", ondelete="SET NULL")),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("accepted_at"),
        schema=S,
    )
    op.create_index("ix_invitations_tenant_id", "invitations", ["tenant_id"], schema=S)
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary, nullable=False),
        sa.Column("public_jwk", pg.JSONB, nullable=False),
        _ts("created_at", False),
        _ts("retiring_since"),
        _ts("retire_after"),
        schema=S,
    )
    # At most one active key, enforced by the database.
    op.create_index(
        "uq_signing_keys_one_active",
        "signing_keys",
        ["status"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("window_failures", sa.Integer, nullable=False),
        _ts("window_started_at"),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        _ts("blocked_until"),
        _ts("locked_until"),
        schema=S,
    )
    op.create_table(
        "pairing_codes",
        sa.Column("code_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("shared.tenant_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", pg.UUID(as_uuid=True), sa.ForeignKey("shared.users.id", ondelete="CASCADE"), nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("used_at"),
        schema=S,
    )
    op.create_table(
        "plugin_devices",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("shared.tenant_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("paired_by", pg.UUID(as_uuid=True), sa.ForeignKey("shared.users.id", ondelete="SET NULL")),
        sa.Column("name", sa.String(100), nullable=False),
        _ts("created_at", False),
        _ts("expires_at", False),
        _ts("revoked_at"),
        schema=S,
    )
    op.create_index("ix_plugin_devices_tenant_id", "plugin_devices", ["tenant_id"], schema=S)
    op.create_table(
        "service_clients",
        sa.Column("client_id", sa.String(100), primary_key=True),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("scopes", pg.ARRAY(sa.String(100)), nullable=False),
        _ts("created_at", False),
        _ts("disabled_at"),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "service_clients",
        "plugin_devices",
        "pairing_codes",
        "login_throttle",
        "signing_keys",
        "invitations",
        "one_time_tokens",
        "refresh_tokens",
        "memberships",
        "tenant_accounts",
        "users",
    ):
        op.drop_table(table, schema=S)
