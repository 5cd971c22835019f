"""the language a queued mail is written in

Revision ID: n0002
Revises: n0001
"""
import sqlalchemy as sa
from alembic import op

revision = "n0002"
down_revision = "n0001"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.add_column("mails", sa.Column("language", sa.String(5), nullable=False, server_default="en"), schema=S)


def downgrade() -> None:
    op.drop_column("mails", "language", schema=S)
