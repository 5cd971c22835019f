"""command claims and token refresh marks: Etsy called with no connection held by a publish, a delist or a
token refresh, one at a time per publication / account

Revision ID: h_pub_0001
Revises: yt0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "h_pub_0001"
down_revision = "yt0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "etsy_command_claims",
        sa.Column("publication_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("token", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("message_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        schema=target_schema(),
    )
    op.add_column(
        "etsy_accounts", sa.Column("refreshing_until", sa.DateTime(timezone=True)), schema=target_schema()
    )


def downgrade() -> None:
    op.drop_column("etsy_accounts", "refreshing_until", schema=target_schema())
    op.drop_table("etsy_command_claims", schema=target_schema())
