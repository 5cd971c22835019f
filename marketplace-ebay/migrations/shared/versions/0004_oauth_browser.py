"""oauth_states.browser_hash: a connection finishes only in the browser that started it

Revision ID: es0004
Revises: es0003
"""
import sqlalchemy as sa
from alembic import op

revision = "es0004"
down_revision = "es0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oauth_states", sa.Column("browser_hash", sa.String(64)), schema="shared")


def downgrade() -> None:
    op.drop_column("oauth_states", "browser_hash", schema="shared")
