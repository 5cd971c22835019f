"""dashboard: daily sales rollup, order tallies and first listings kept by triggers; counting indexes

Revision ID: ct0005
Revises: ct0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg
from vitrine_kit.db.migrations import target_schema

revision = "ct0005"
down_revision = "ct0004"
branch_labels = None
depends_on = None

# Sessions map tenant tables with schema_translate_map (never a per-connection schema path): the trigger functions name the
# tenant schema they belong to. One statement per string (asyncpg prepares each).
TRIGGERS = (
    """
CREATE FUNCTION "{s}".dashboard_bump(
    b_day date, b_marketplace varchar, b_currency varchar,
    d_orders integer, d_lines integer, d_units integer, d_revenue numeric
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO "{s}".dashboard_sales_daily AS d (day, marketplace, currency, orders, lines, units, revenue)
    VALUES (b_day, b_marketplace, b_currency, d_orders, d_lines, d_units, d_revenue)
    ON CONFLICT (day, marketplace, currency) DO UPDATE SET
        orders = d.orders + EXCLUDED.orders,
        lines = d.lines + EXCLUDED.lines,
        units = d.units + EXCLUDED.units,
        revenue = d.revenue + EXCLUDED.revenue
$$""",
    """-- One line enters (sign 1) or leaves (sign -1) the figures. An order is counted once, on the day and in
-- the currency of the line that opened its tally; the tally's row lock makes concurrent lines exact.
CREATE FUNCTION "{s}".dashboard_line(line "{s}".orders, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    line_day date := (line.ordered_at AT TIME ZONE 'UTC')::date;
    live integer;
    t_day date;
    t_currency varchar;
BEGIN
    IF sign > 0 THEN
        INSERT INTO "{s}".dashboard_order_tallies AS t (marketplace, order_id, day, currency, live_lines)
        VALUES (line.marketplace, line.order_id, line_day, line.currency, 1)
        ON CONFLICT (marketplace, order_id) DO UPDATE SET live_lines = t.live_lines + 1
        RETURNING t.live_lines, t.day, t.currency INTO live, t_day, t_currency;
    ELSE
        UPDATE "{s}".dashboard_order_tallies AS t SET live_lines = t.live_lines - 1
        WHERE t.marketplace = line.marketplace AND t.order_id = line.order_id
        RETURNING t.live_lines + 1, t.day, t.currency INTO live, t_day, t_currency;
    END IF;
    PERFORM "{s}".dashboard_bump(
        line_day, line.marketplace, line.currency, 0, sign, sign * line.quantity, sign * line.price
    );
    -- The order's first live line arrived, or its last one left.
    IF live = 1 THEN
        PERFORM "{s}".dashboard_bump(t_day, line.marketplace, t_currency, sign, 0, 0, 0);
    END IF;
END $$""",
    """CREATE FUNCTION "{s}".dashboard_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.cancelled_at IS NULL THEN
        PERFORM "{s}".dashboard_line(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.cancelled_at IS NULL THEN
        PERFORM "{s}".dashboard_line(NEW, 1);
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER dashboard_orders_insert_delete AFTER INSERT OR DELETE ON "{s}".orders
    FOR EACH ROW EXECUTE FUNCTION "{s}".dashboard_order_changed()""",
    """-- Outcome and stock_before change too; only what the figures sum fires this.
CREATE TRIGGER dashboard_orders_update
    AFTER UPDATE OF cancelled_at, ordered_at, marketplace, order_id, currency, quantity, price
    ON "{s}".orders FOR EACH ROW
    WHEN (OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at OR OLD.ordered_at IS DISTINCT FROM NEW.ordered_at
          OR OLD.marketplace IS DISTINCT FROM NEW.marketplace OR OLD.order_id IS DISTINCT FROM NEW.order_id
          OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.quantity IS DISTINCT FROM NEW.quantity
          OR OLD.price IS DISTINCT FROM NEW.price)
    EXECUTE FUNCTION "{s}".dashboard_order_changed()""",
    """CREATE FUNCTION "{s}".dashboard_publication_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "{s}".dashboard_first_listings AS f (product_id, listed_at, sold_at, deleted)
    SELECT p.id, NEW.listed_at, p.sold_at, p.deleted_at IS NOT NULL FROM "{s}".products AS p
    WHERE p.id = NEW.product_id
    ON CONFLICT (product_id) DO UPDATE SET listed_at = EXCLUDED.listed_at
    WHERE EXCLUDED.listed_at < f.listed_at;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER dashboard_publications_listed AFTER INSERT OR UPDATE OF listed_at ON "{s}".publications
    FOR EACH ROW WHEN (NEW.listed_at IS NOT NULL)
    EXECUTE FUNCTION "{s}".dashboard_publication_listed()""",
    # A product's sale and deletion are copied beside its first listing: sell-through reads one table.
    """CREATE FUNCTION "{s}".dashboard_product_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "{s}".dashboard_first_listings SET sold_at = NEW.sold_at, deleted = NEW.deleted_at IS NOT NULL
    WHERE product_id = NEW.id;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER dashboard_products_changed AFTER UPDATE OF sold_at, deleted_at ON "{s}".products
    FOR EACH ROW
    WHEN (OLD.sold_at IS DISTINCT FROM NEW.sold_at
          OR (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION "{s}".dashboard_product_changed()""",
)

BACKFILL = (
    """
INSERT INTO "{s}".dashboard_order_tallies (marketplace, order_id, day, currency, live_lines)
SELECT DISTINCT ON (marketplace, order_id) marketplace, order_id, (ordered_at AT TIME ZONE 'UTC')::date,
       currency, count(*) OVER (PARTITION BY marketplace, order_id)
FROM "{s}".orders WHERE cancelled_at IS NULL
ORDER BY marketplace, order_id, ordered_at, id""",
    """INSERT INTO "{s}".dashboard_sales_daily (day, marketplace, currency, orders, lines, units, revenue)
SELECT day, marketplace, currency, sum(orders), sum(lines), sum(units), sum(revenue) FROM (
    SELECT (ordered_at AT TIME ZONE 'UTC')::date AS day, marketplace, currency,
           0 AS orders, count(*) AS lines, sum(quantity) AS units, sum(price) AS revenue
    FROM "{s}".orders WHERE cancelled_at IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT day, marketplace, currency, count(*), 0, 0, 0
    FROM "{s}".dashboard_order_tallies GROUP BY 1, 2, 3
) AS parts GROUP BY 1, 2, 3""",
    """INSERT INTO "{s}".dashboard_first_listings (product_id, listed_at, sold_at, deleted)
SELECT p.id, f.listed_at, p.sold_at, p.deleted_at IS NOT NULL
FROM (SELECT product_id, min(listed_at) AS listed_at FROM "{s}".publications WHERE listed_at IS NOT NULL
      GROUP BY product_id) AS f
JOIN "{s}".products AS p ON p.id = f.product_id""",
)


def upgrade() -> None:
    s = target_schema()
    op.create_table(
        "dashboard_sales_daily",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("marketplace", sa.String(20), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("orders", sa.Integer, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("revenue", sa.Numeric(16, 2), nullable=False),
        schema=s,
    )
    op.create_table(
        "dashboard_order_tallies",
        sa.Column("marketplace", sa.String(20), primary_key=True),
        sa.Column("order_id", sa.String(200), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("live_lines", sa.Integer, nullable=False),
        schema=s,
    )
    op.create_table(
        "dashboard_first_listings",
        sa.Column(
            "product_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(f"{s}.products.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sold_at", sa.DateTime(timezone=True)),
        sa.Column("deleted", sa.Boolean, nullable=False),
        schema=s,
    )
    # Both sell-through figures by index-only scans of this narrow table.
    op.create_index(
        "ix_dashboard_first_listings_at",
        "dashboard_first_listings",
        ["listed_at"],
        schema=s,
        postgresql_include=["sold_at", "deleted"],
    )
    op.create_index(
        "ix_dashboard_first_listings_sold",
        "dashboard_first_listings",
        ["sold_at"],
        schema=s,
        postgresql_include=["listed_at", "deleted"],
        postgresql_where=sa.column("sold_at").isnot(None),
    )
    # Counted by index-only scans: live products per status, listings per marketplace and state.
    op.create_index(
        "ix_products_status_live",
        "products",
        ["status"],
        schema=s,
        postgresql_where=sa.column("deleted_at").is_(None),
    )
    op.create_index("ix_publications_marketplace_status", "publications", ["marketplace", "status"], schema=s)
    for statement in (*BACKFILL, *TRIGGERS):
        op.execute(statement.format(s=s))


def downgrade() -> None:
    s = target_schema()
    op.execute(f'DROP TRIGGER dashboard_products_changed ON "{s}".products')
    op.execute(f'DROP TRIGGER dashboard_publications_listed ON "{s}".publications')
    op.execute(f'DROP TRIGGER dashboard_orders_update ON "{s}".orders')
    op.execute(f'DROP TRIGGER dashboard_orders_insert_delete ON "{s}".orders')
    op.execute(f'DROP FUNCTION "{s}".dashboard_product_changed()')
    op.execute(f'DROP FUNCTION "{s}".dashboard_publication_listed()')
    op.execute(f'DROP FUNCTION "{s}".dashboard_order_changed()')
    op.execute(f'DROP FUNCTION "{s}".dashboard_line("{s}".orders, integer)')
    op.execute(
        f'DROP FUNCTION "{s}".dashboard_bump(date, varchar, varchar, integer, integer, integer, numeric)'
    )
    op.drop_index("ix_publications_marketplace_status", "publications", schema=s)
    op.drop_index("ix_products_status_live", "products", schema=s)
    op.drop_table("dashboard_first_listings", schema=s)
    op.drop_table("dashboard_order_tallies", schema=s)
    op.drop_table("dashboard_sales_daily", schema=s)
