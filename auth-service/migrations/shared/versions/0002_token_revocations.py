"""token revocations: the list every verifier pulls (revoked devices, removed or re-roled members)

Revision ID: a0002
Revises: a0001
"""
import sqlalchemy as sa
from alembic import op

revision = "a0002"
down_revision = "a0001"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "token_revocations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("ix_token_revocations_expires_at", "token_revocations", ["expires_at"], schema=S)
    op.create_index("ix_token_revocations_created_at", "token_revocations", ["created_at"], schema=S)


def downgrade() -> None:
    op.drop_table("token_revocations", schema=S)
