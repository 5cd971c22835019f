"""plans, credit packs, Stripe prices, accounts, balances, reservations, the Stripe webhook inbox

Revision ID: b0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "b0001"
down_revision = None
branch_labels = None
depends_on = None

S = "shared"

# The starting price list; a row changes with an UPDATE (a new amount makes a new Stripe price on first use).
PLANS = [
    # code, name, position, price_cents, products, marketplaces, monthly_credits, photos_per_analysis
    ("free", "Free", 0, 0, 30, 1, 10, 5),
    ("starter", "Starter", 1, 999, 200, 2, 40, 10),
    ("pro", "Pro", 2, 1999, 500, 5, 100, 20),
    ("business", "Business", 3, 3999, None, None, 300, 20),
]
PACKS = [
    # code, name, position, credits, price_cents
    ("credits_500", "500 AI credits", 0, 500, 900),
    ("credits_1000", "1,000 AI credits", 1, 1000, 1500),
    ("credits_2000", "2,000 AI credits", 2, 2000, 2500),
]


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("products", sa.Integer),
        sa.Column("marketplaces", sa.Integer),
        sa.Column("monthly_credits", sa.Integer, nullable=False),
        sa.Column("photos_per_analysis", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.CheckConstraint("price_cents >= 0", name="ck_plans_price_not_negative"),
        schema=S,
    )
    packs = op.create_table(
        "credit_packs",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("credits", sa.Integer, nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.CheckConstraint("credits > 0", name="ck_credit_packs_credits_positive"),
        sa.CheckConstraint("price_cents > 0", name="ck_credit_packs_price_positive"),
        schema=S,
    )
    op.create_table(
        "stripe_prices",
        sa.Column("lookup_key", sa.String(200), primary_key=True),
        sa.Column("price_id", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        _ts("created_at", False),
        schema=S,
    )
    op.create_table(
        "accounts",
        sa.Column("tenant_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("plan", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), unique=True),
        sa.Column("stripe_subscription_id", sa.String(255)),
        sa.Column("stripe_status", sa.String(30)),
        _ts("period_start"),
        _ts("period_end"),
        sa.Column("cancel_at_period_end", sa.Boolean, nullable=False),
        _ts("created_at", False),
        _ts("updated_at", False),
        _ts("deleted_at"),
        schema=S,
    )
    op.create_index("ix_accounts_plan", "accounts", ["plan"], schema=S)
    op.create_table(
        "balances",
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{S}.accounts.tenant_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("monthly_left", sa.Integer, nullable=False),
        sa.Column("purchased_left", sa.Integer, nullable=False),
        sa.Column("monthly_allowance", sa.Integer, nullable=False),
        _ts("period_start"),
        _ts("period_end"),
        sa.Column("low_notified", sa.Boolean, nullable=False),
        sa.Column("exhausted_notified", sa.Boolean, nullable=False),
        _ts("updated_at", False),
        sa.CheckConstraint("monthly_left >= 0", name="ck_balances_monthly_not_negative"),
        sa.CheckConstraint("purchased_left >= 0", name="ck_balances_purchased_not_negative"),
        schema=S,
    )
    op.create_index("ix_balances_period_end", "balances", ["period_end"], schema=S)
    op.create_table(
        "reservations",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column(
            "tenant_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{S}.accounts.tenant_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("from_monthly", sa.Integer, nullable=False),
        sa.Column("from_purchased", sa.Integer, nullable=False),
        _ts("period_start"),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("released_by", sa.String(10)),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("caller", sa.String(200), nullable=False),
        _ts("expires_at", False),
        _ts("created_at", False),
        _ts("settled_at"),
        sa.CheckConstraint("amount > 0", name="ck_reservations_amount_positive"),
        schema=S,
    )
    op.create_index(
        "ix_reservations_held_expiry", "reservations", ["expires_at"], schema=S,
        postgresql_where=sa.column("status") == "held",
    )
    op.create_index("ix_reservations_tenant", "reservations", ["tenant_id"], schema=S)
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        _ts("stripe_created", False),
        sa.Column("livemode", sa.Boolean, nullable=False),
        sa.Column("payload", pg.JSONB, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("next_attempt_at", False),
        sa.Column("last_error", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("tenant_id", pg.UUID(as_uuid=True)),
        _ts("received_at", False),
        _ts("processed_at"),
        schema=S,
    )
    op.create_index(
        "ix_stripe_events_due", "stripe_events", ["next_attempt_at"], schema=S,
        postgresql_where=sa.column("status") == "pending",
    )
    op.bulk_insert(
        plans,
        [
            {
                "code": code, "name": name, "position": position, "price_cents": cents, "currency": "eur",
                "products": products, "marketplaces": marketplaces, "monthly_credits": credits,
                "photos_per_analysis": photos, "active": True,
            }
            for code, name, position, cents, products, marketplaces, credits, photos in PLANS
        ],
    )
    op.bulk_insert(
        packs,
        [
            {
                "code": code, "name": name, "position": position, "credits": credits, "price_cents": cents,
                "currency": "eur", "active": True,
            }
            for code, name, position, credits, cents in PACKS
        ],
    )


def downgrade() -> None:
    for table in ("stripe_events", "reservations", "balances", "accounts", "stripe_prices", "credit_packs", "plans"):
        op.drop_table(table, schema=S)
