"""feed, preferences, recipients, digest entries, import runs, product titles

Revision ID: nt0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from vitrine_kit.db.migrations import target_schema

revision = "nt0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "feed_counter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.BigInteger, nullable=False),
        schema=s,
    )
    op.create_table(
        "feed_items",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        _ts("occurred_at"),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        _ts("created_at"),
        sa.UniqueConstraint("event_id", name="uq_feed_items_event_id"),
        schema=s,
    )
    op.create_table(
        "preferences",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("email", sa.Boolean, nullable=False),
        sa.Column("delivery", sa.String(20), nullable=False),
        _ts("updated_at"),
        schema=s,
    )
    op.create_table(
        "mail_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest_hour", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        schema=s,
    )
    op.create_table(
        "recipients",
        sa.Column("user_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("email", sa.String(320)),
        sa.Column("role", sa.String(20)),
        _ts("updated_at"),
        schema=s,
    )
    op.create_table(
        "unsubscriptions",
        sa.Column("user_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("topic", sa.String(40), primary_key=True),
        _ts("created_at"),
        schema=s,
    )
    op.create_table(
        "digest_entries",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        _ts("occurred_at"),
        sa.Column("text", sa.String(500), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_digest_entries_event_id"),
        schema=s,
    )
    op.create_table(
        "import_runs",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("marketplace", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("told", sa.Integer, nullable=False),
        _ts("told_at", True),
        _ts("updated_at"),
        schema=s,
    )
    op.create_table(
        "product_titles",
        sa.Column("product_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        _ts("updated_at"),
        schema=s,
    )


def downgrade() -> None:
    s = target_schema()
    for table in (
        "product_titles",
        "import_runs",
        "digest_entries",
        "unsubscriptions",
        "recipients",
        "mail_settings",
        "preferences",
        "feed_items",
        "feed_counter",
    ):
        op.drop_table(table, schema=s)
