"""the business policies each listing went out with (chosen for it, or the account's defaults then)

Revision ID: hebay0005
Revises: et0004
"""

import sqlalchemy as sa
from alembic import op
from vitrine_kit.db.migrations import target_schema

revision = "hebay0005"
down_revision = "et0004"
branch_labels = None
depends_on = None

COLUMNS = ("fulfillment_policy_id", "payment_policy_id", "return_policy_id")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("ebay_listings", sa.Column(column, sa.String(64)), schema=target_schema())


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_column("ebay_listings", column, schema=target_schema())
