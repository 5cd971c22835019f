"""paged lists: indexes backing the keyset order of alerts, orders and imports

Revision ID: ct0007
Revises: ct0006
"""

from alembic import op
from vitrine_kit.db.migrations import target_schema

revision = "ct0007"
down_revision = "ct0006"
branch_labels = None
depends_on = None

# (index, table, columns): each list pages newest first with the id as tiebreak, read backwards by the index.
INDEXES = (
    ("ix_alerts_created_at", "alerts", ["created_at", "id"]),
    ("ix_orders_received_at", "orders", ["received_at", "id"]),
    ("ix_listing_imports_created_at", "listing_imports", ["created_at", "id"]),
)


def upgrade() -> None:
    s = target_schema()
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, schema=s)


def downgrade() -> None:
    s = target_schema()
    for name, table, _ in INDEXES:
        op.drop_index(name, table, schema=s)
