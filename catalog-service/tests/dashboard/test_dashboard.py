from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from catalog_service.dashboard.chart import nice_step
from catalog_service.dashboard.schemas import Granularity, Period
from catalog_service.dashboard.service import bucket_starts
from catalog_service.models import AiCreditsSpent, Order, Product, Publication
from vitrine_contracts.ai import (
    AnalysisCompleted,
    ColoursGuess,
    ConditionGuess,
    Guess,
    ItemAttributes,
    MaterialsGuess,
    SizeGuess,
)
from vitrine_contracts.catalog import OrderCancelled, OrderReceived
from vitrine_contracts.common import Marketplace, Money

SVG = "{http://www.w3.org/2000/svg}"


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


class Seed:
    """Rows written straight into a seller's schema (the triggers of ct0005 keep the figures)."""

    def __init__(self, seller: Any) -> None:
        self.seller = seller

    async def __aenter__(self) -> Seed:
        # The first request provisions the seller's schema.
        assert (await self.seller.get("/dashboard/summary")).status_code == 200
        self.session = self.seller.app.runtime.db.tenant_session(self.seller.tenant_id)
        await self.session.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if exc[0] is None:
            await self.session.commit()
        await self.session.__aexit__(*exc)

    async def product(
        self,
        status: str = "draft",
        *,
        listed: dict[str, datetime] | None = None,
        sold_at: datetime | None = None,
        deleted: bool = False,
        publication_status: str = "listed",
    ) -> uuid.UUID:
        product_id = uuid.uuid4()
        await self.session.execute(
            sa.insert(Product).values(
                id=product_id,
                status=status,
                sku=f"SKU-{product_id.hex[:10]}",
                sold_at=sold_at,
                deleted_at=datetime.now(UTC) if deleted else None,
            )
        )
        for marketplace, listed_at in (listed or {}).items():
            await self.session.execute(
                sa.insert(Publication).values(
                    product_id=product_id,
                    marketplace=marketplace,
                    status=publication_status,
                    listed_at=listed_at,
                )
            )
        return product_id

    async def line(
        self,
        marketplace: str,
        order_id: str,
        ordered_at: datetime,
        price: str = "10.00",
        currency: str = "EUR",
        quantity: int = 1,
        line_id: str = "",
        cancelled: bool = False,
    ) -> None:
        await self.session.execute(
            sa.insert(Order).values(
                marketplace=marketplace,
                order_id=order_id,
                line_id=line_id,
                external_listing_id=f"{marketplace}-{order_id}",
                quantity=quantity,
                price=Decimal(price),
                currency=currency,
                ordered_at=ordered_at,
                cancelled_at=datetime.now(UTC) if cancelled else None,
            )
        )


async def summary(seller: Any, **params: str) -> dict[str, Any]:
    response = await seller.get("/dashboard/summary", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def sales(seller: Any, **params: str) -> dict[str, Any]:
    response = await seller.get("/dashboard/sales", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def series(body: dict[str, Any], marketplace: str) -> dict[str, Any]:
    [found] = [s for s in body["series"] if s["marketplace"] == marketplace]
    return dict(found)


def revenue(point: dict[str, Any]) -> dict[str, str]:
    return dict(point["revenue"])


class TestSummary:
    async def test_products_are_counted_per_status_and_listings_per_marketplace_and_state(
        self, seller
    ) -> None:
        day = at("2026-03-10")
        async with Seed(seller) as seed:
            for status in ("draft", "draft", "ready", "sold", "archived"):
                await seed.product(status)
            await seed.product("draft", deleted=True)
            await seed.product("listed", listed={"ebay": day, "etsy": day})
            await seed.product("listed", listed={"ebay": day})
            await seed.product("ready", listed={"vinted": day}, publication_status="failed")
        body = await summary(seller)
        assert body["products"] == {
            "draft": 2,
            "ready": 2,
            "listed": 2,
            "sold": 1,
            "archived": 1,
            "total": 8,
        }
        listings = {row["marketplace"]: row for row in body["listings"]}
        assert [row["marketplace"] for row in body["listings"]] == ["ebay", "etsy", "vinted"]
        assert (listings["ebay"]["listed"], listings["ebay"]["total"]) == (2, 2)
        assert (listings["etsy"]["listed"], listings["etsy"]["total"]) == (1, 1)
        assert (listings["vinted"]["failed"], listings["vinted"]["listed"], listings["vinted"]["total"]) == (
            1,
            0,
            1,
        )

    async def test_sell_through_and_median_days_to_sell_count_from_the_first_listing(self, seller) -> None:
        async with Seed(seller) as seed:
            # Listed in March: four products; two sold in March (after 2 and 6 days), one in April.
            await seed.product(
                "sold", listed={"ebay": at("2026-03-01"), "etsy": at("2026-03-05")}, sold_at=at("2026-03-03")
            )
            six_days = await seed.product(
                "sold", listed={"vinted": at("2026-03-10")}, sold_at=at("2026-03-16")
            )
            await seed.product("sold", listed={"ebay": at("2026-03-20")}, sold_at=at("2026-04-02"))
            late = await seed.product("listed", listed={"ebay": at("2026-03-31", 23)})
            # Listed in February, sold in March after 30 days: counted in the median, not in the cohort.
            await seed.product("sold", listed={"etsy": at("2026-02-04")}, sold_at=at("2026-03-06"))
            # A relist in March does not make a February product new.
            await seed.product("listed", listed={"ebay": at("2026-02-10"), "vinted": at("2026-03-12")})
            # Sold offline, never listed; deleted ones are not counted.
            await seed.product("sold", sold_at=at("2026-03-08"))
            await seed.product(
                "sold", listed={"ebay": at("2026-03-02")}, sold_at=at("2026-03-04"), deleted=True
            )
        body = await summary(seller, **{"from": "2026-03-01", "to": "2026-03-31"})
        assert body["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
        assert body["sell_through"] == {
            "listed": 4,
            "sold": 2,
            "rate": 0.5,
            "sold_in_period": 3,
            "median_days_to_sell": 6.0,
        }
        # Deleting a product takes it out; a sale recorded later counts it (products' own writes).
        async with Seed(seller) as seed:
            await seed.session.execute(
                sa.update(Product).where(Product.id == six_days).values(deleted_at=datetime.now(UTC))
            )
            await seed.session.execute(
                sa.update(Product).where(Product.id == late).values(sold_at=at("2026-03-31", 23, 30))
            )
        later = await summary(seller, **{"from": "2026-03-01", "to": "2026-03-31"})
        assert later["sell_through"] == {
            "listed": 3,
            "sold": 2,
            "rate": round(2 / 3, 4),
            "sold_in_period": 3,
            "median_days_to_sell": 2.0,
        }
        april = await summary(seller, **{"from": "2026-04-01", "to": "2026-04-30"})
        assert april["sell_through"] == {
            "listed": 0,
            "sold": 0,
            "rate": None,
            "sold_in_period": 1,
            "median_days_to_sell": 13.0,
        }

    async def test_sales_of_the_period_are_summed_per_marketplace_and_currency(self, seller) -> None:
        async with Seed(seller) as seed:
            await seed.line("ebay", "E-1", at("2026-03-02"), "20.00", "EUR")
            await seed.line("ebay", "E-2", at("2026-03-03"), "15.00", "GBP")
            await seed.line("etsy", "T-1", at("2026-03-04"), "9.50", "USD", quantity=2)
            await seed.line("ebay", "E-3", at("2026-04-01"), "99.00", "EUR")
        body = await summary(seller, **{"from": "2026-03-01", "to": "2026-03-31"})
        assert body["sales"] == [
            {
                "marketplace": "ebay",
                "orders": 2,
                "units": 2,
                "revenue": {"EUR": "20.00", "GBP": "15.00"},
            },
            {
                "marketplace": "etsy",
                "orders": 1,
                "units": 2,
                "revenue": {"USD": "9.50"},
            },
        ]

    async def test_an_empty_seller_sees_zeros(self, seller) -> None:
        body = await summary(seller)
        assert body["products"]["total"] == 0
        assert all(row["total"] == 0 for row in body["listings"])
        assert body["sell_through"] == {
            "listed": 0,
            "sold": 0,
            "rate": None,
            "sold_in_period": 0,
            "median_days_to_sell": None,
        }
        assert body["sales"] == []
        assert body["ai_credits_used"] == 0
        today = datetime.now(UTC).date()
        assert body["period"] == {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()}

    async def test_another_seller_s_data_is_never_counted(self, app) -> None:
        busy, other = app.seller(), app.seller()
        async with Seed(busy) as seed:
            await seed.product("sold", listed={"ebay": at("2026-03-01")}, sold_at=at("2026-03-03"))
            await seed.line("ebay", "E-1", at("2026-03-02"))
        period = {"from": "2026-03-01", "to": "2026-03-31"}
        assert (await summary(busy, **period))["products"]["total"] == 1
        mine = await summary(other, **period)
        assert (mine["products"]["total"], mine["sell_through"]["listed"], mine["sales"]) == (0, 0, [])
        assert (await sales(other, **period))["series"] == []

    async def test_a_viewer_may_read_the_dashboard_and_a_role_without_reading_may_not(self, seller) -> None:
        keys = seller.app.keys
        for role, expected in (("viewer", 200), ("member", 200), ("guest", 403)):
            headers = {"Authorization": f"Bearer {keys.issue(tenant_id=seller.tenant_id, roles=(role,))}"}
            for path in ("/dashboard/summary", "/dashboard/sales", "/dashboard/sales.svg"):
                response = await seller.app.client.get(path, headers=headers)
                assert response.status_code == expected, (role, path, response.text)
        anonymous = await seller.app.client.get("/dashboard/summary")
        assert anonymous.status_code == 401


def analysis(credits_spent: int, *, cached: bool = False) -> AnalysisCompleted:
    """What ai-service sends when an analysis of photos (on no product) finishes."""
    attributes = ItemAttributes(
        category=Guess(),
        brand=Guess(),
        size=SizeGuess(),
        colours=ColoursGuess(),
        materials=MaterialsGuess(),
        condition=ConditionGuess(),
        gender=Guess(),
    )
    return AnalysisCompleted(
        analysis_id=uuid.uuid4(),
        image_ids=[uuid.uuid4()],
        language="en",
        attributes=attributes,
        cached=cached,
        credits_spent=credits_spent,
    )


class TestAiCredits:
    async def test_paid_analyses_are_counted_once_and_cached_answers_are_free(self, seller) -> None:
        paid = analysis(1)
        for event in (paid, paid, analysis(2), analysis(0, cached=True)):
            await seller.play(event)  # the second is a new message with the same analysis
        await seller.play(analysis(4))  # delivered after the replay
        today = datetime.now(UTC).date().isoformat()

        async def used() -> bool:
            return (await summary(seller, **{"from": today, "to": today}))["ai_credits_used"] == 7

        await seller.eventually(used)
        async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
            rows = (await session.scalars(sa.select(AiCreditsSpent.credits))).all()
        assert sorted(rows) == [1, 2, 4]
        metrics = (await seller.app.client.get("/metrics")).text
        handled = [line for line in metrics.splitlines() if 'event_type="ai.analysis.completed"' in line]
        assert handled
        assert not [line for line in handled if "retried" in line or "dead-lettered" in line]

    async def test_only_the_days_of_the_period_are_summed(self, seller) -> None:
        async with Seed(seller) as seed:
            for day, credits in (("2026-02-28", 5), ("2026-03-01", 1), ("2026-03-31", 2), ("2026-04-01", 9)):
                await seed.session.execute(
                    sa.insert(AiCreditsSpent).values(
                        analysis_id=uuid.uuid4(), day=date.fromisoformat(day), credits=credits
                    )
                )
        assert (await summary(seller, **{"from": "2026-03-01", "to": "2026-03-31"}))["ai_credits_used"] == 3
        assert (await summary(seller, **{"from": "2026-04-02", "to": "2026-04-30"}))["ai_credits_used"] == 0

    async def test_another_seller_s_credits_are_never_counted(self, app) -> None:
        spender, other = app.seller(), app.seller()
        await spender.play(analysis(3))
        today = datetime.now(UTC).date().isoformat()
        period = {"from": today, "to": today}

        async def counted() -> bool:
            return (await summary(spender, **period))["ai_credits_used"] == 3

        await spender.eventually(counted)
        assert (await summary(other, **period))["ai_credits_used"] == 0


class TestSales:
    async def test_weeks_start_on_monday_and_months_on_the_first(self, seller) -> None:
        async with Seed(seller) as seed:
            await seed.line("ebay", "E-1", at("2026-03-01", 23))  # a Sunday, 23:00 UTC
            await seed.line("ebay", "E-2", at("2026-03-02", 0))  # the Monday after, 00:00 UTC
            await seed.line("ebay", "E-3", at("2026-03-31"))
            await seed.line("ebay", "E-4", at("2026-04-01"))
        period = {"from": "2026-02-25", "to": "2026-04-01"}
        weeks = await sales(seller, granularity="week", **period)
        assert weeks["buckets"][:2] == ["2026-02-23", "2026-03-02"]
        assert weeks["buckets"][-1] == "2026-03-30"
        points = {p["start"]: p["orders"] for p in series(weeks, "ebay")["points"]}
        assert points == {
            "2026-02-23": 1,
            "2026-03-02": 1,
            "2026-03-09": 0,
            "2026-03-16": 0,
            "2026-03-23": 0,
            "2026-03-30": 2,
        }
        months = await sales(seller, granularity="month", **period)
        assert months["buckets"] == ["2026-02-01", "2026-03-01", "2026-04-01"]
        assert [p["orders"] for p in series(months, "ebay")["points"]] == [0, 3, 1]
        days = await sales(seller, granularity="day", **{"from": "2026-03-01", "to": "2026-03-03"})
        assert days["buckets"] == ["2026-03-01", "2026-03-02", "2026-03-03"]
        assert [p["orders"] for p in series(days, "ebay")["points"]] == [1, 1, 0]
        # Edge buckets hold only the days inside the period.
        clipped = await sales(seller, granularity="week", **{"from": "2026-03-02", "to": "2026-03-08"})
        assert [p["orders"] for p in series(clipped, "ebay")["points"]] == [1]

    async def test_currencies_are_kept_apart_and_orders_counted_once(self, seller) -> None:
        async with Seed(seller) as seed:
            # One order of two lines (3 units), and orders in two other currencies the same day.
            await seed.line("ebay", "E-1", at("2026-03-10"), "30.00", "EUR", quantity=2, line_id="1")
            await seed.line("ebay", "E-1", at("2026-03-10"), "12.50", "EUR", line_id="2")
            await seed.line("ebay", "E-2", at("2026-03-10"), "40.00", "GBP")
            await seed.line("vinted", "V-1", at("2026-03-10"), "8.00", "EUR")
            await seed.line("vinted", "V-2", at("2026-03-11"), "5.00", "EUR", cancelled=True)
        body = await sales(seller, **{"from": "2026-03-10", "to": "2026-03-11"})
        ebay, vinted = series(body, "ebay"), series(body, "vinted")
        assert (ebay["points"][0]["orders"], ebay["points"][0]["units"]) == (2, 4)
        assert revenue(ebay["points"][0]) == {"EUR": "42.50", "GBP": "40.00"}
        assert ebay["total"] == {
            "orders": 2,
            "units": 4,
            "revenue": {"EUR": "42.50", "GBP": "40.00"},
        }
        assert [(p["orders"], revenue(p)) for p in vinted["points"]] == [(1, {"EUR": "8.00"}), (0, {})]
        only = await sales(seller, marketplace="vinted", **{"from": "2026-03-10", "to": "2026-03-11"})
        assert (only["marketplace"], [s["marketplace"] for s in only["series"]]) == ("vinted", ["vinted"])
        quiet = await sales(seller, marketplace="etsy", **{"from": "2026-03-10", "to": "2026-03-11"})
        assert [p["orders"] for p in series(quiet, "etsy")["points"]] == [0, 0]

    async def test_orders_and_cancellations_from_the_marketplaces_move_the_figures(self, seller) -> None:
        product = await seller.listed("ebay", stock=5)
        listing = f"ebay-{product['sku']}"
        ordered = datetime.now(UTC).replace(microsecond=0)
        for line, quantity in (("L1", 2), ("L2", 1)):
            await seller.play(
                OrderReceived(
                    marketplace=Marketplace.EBAY,
                    order_id="O-7",
                    line_id=line,
                    external_listing_id=listing,
                    quantity=quantity,
                    price=Money(amount=Decimal("24.00") * quantity, currency="EUR"),
                    ordered_at=ordered,
                )
            )
        today = {"from": ordered.date().isoformat(), "to": ordered.date().isoformat()}

        async def figures(expected: tuple[int, int, dict[str, str]]) -> bool:
            body = await sales(seller, **today)
            point = (
                body["series"][0]["points"][0] if body["series"] else {"orders": 0, "units": 0, "revenue": []}
            )
            return (point["orders"], point["units"], revenue(point)) == expected

        await seller.eventually(lambda: figures((1, 3, {"EUR": "72.00"})))
        cancel = OrderCancelled(
            marketplace=Marketplace.EBAY, order_id="O-7", line_id="L1", cancelled_at=ordered
        )
        await seller.play(cancel)
        await seller.eventually(lambda: figures((1, 1, {"EUR": "24.00"})))
        await seller.play(cancel.model_copy(update={"line_id": "L2"}))
        await seller.eventually(lambda: figures((0, 0, {})))
        first = await summary(seller, **today)
        assert first["sell_through"]["listed"] == 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"granularity": "hour"}, "query.granularity"),
            ({"from": "2026-03-10", "to": "2026-03-01"}, "query.from"),
            ({"from": "2020-01-01", "to": "2026-03-01"}, "query.to"),
            ({"granularity": "month", "from": "2010-01-01", "to": "2026-03-01"}, "query.to"),
            ({"from": "2020-01-01"}, "query.from"),
            ({"from": "yesterday"}, "query.from"),
            ({"marketplace": "amazon"}, "query.marketplace"),
        ],
    )
    async def test_a_bad_parameter_is_a_422_naming_it(
        self, seller, params: dict[str, str], field: str
    ) -> None:
        for path in ("/dashboard/sales", "/dashboard/sales.svg"):
            response = await seller.get(path, params=params)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in response.json()["errors"]] == [field]

    async def test_three_years_of_days_are_accepted(self, seller) -> None:
        body = await sales(seller, **{"from": "2023-03-01", "to": "2026-02-28"})
        assert len(body["buckets"]) == 1096
        bad = await seller.get("/dashboard/summary", params={"from": "2026-03-02", "to": "2026-03-01"})
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "query.from")

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"to": "0001-01-01"}, "query.to"),
            ({"from": "9999-12-31"}, "query.from"),
            ({"to": "1969-12-31"}, "query.to"),
        ],
    )
    async def test_a_day_out_of_range_is_a_422_not_an_overflow(self, seller, params, field) -> None:
        for path in ("/dashboard/summary", "/dashboard/sales", "/dashboard/sales.svg"):
            bad = await seller.get(path, params=params)
            assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, field), bad.text


class TestSalesChart:
    async def test_the_chart_is_a_well_formed_svg_with_a_line_per_marketplace(self, seller) -> None:
        async with Seed(seller) as seed:
            await seed.line("ebay", "E-1", at("2026-03-02"))
            await seed.line("ebay", "E-2", at("2026-03-02"))
            await seed.line("etsy", "T-1", at("2026-03-04"), currency="USD")
        response = await seller.get("/dashboard/sales.svg", params={"from": "2026-03-01", "to": "2026-03-07"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.text)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None
        assert title.text == "Orders per day per marketplace, 2026-03-01 to 2026-03-07"
        desc = root.find(f"{SVG}desc")
        assert desc is not None
        assert desc.text == "ebay: 2 orders, 2 units, 20.00 EUR; etsy: 1 orders, 1 units, 10.00 USD."
        lines = root.findall(f".//{SVG}polyline")
        assert len(lines) == 2
        ys = [float(point.split(",")[1]) for point in lines[0].get("points", "").split()]
        assert len(ys) == 7
        assert ys[1] == min(ys)
        texts = {t.text for t in root.iter(f"{SVG}text")}
        assert {"ebay", "etsy", "2026-03-01", "2026-03-07"} <= texts
        assert not root.findall(f".//{SVG}script")
        assert "href" not in response.text

    async def test_an_empty_period_still_draws_its_axes(self, seller) -> None:
        response = await seller.get("/dashboard/sales.svg", params={"granularity": "month"})
        root = ET.fromstring(response.text)
        assert "No sales in this period" in {t.text for t in root.iter(f"{SVG}text")}
        assert root.findall(f".//{SVG}polyline") == []

    async def test_openapi_documents_the_svg(self, seller) -> None:
        spec = (await seller.app.client.get("/openapi.json")).json()
        content = spec["paths"]["/dashboard/sales.svg"]["get"]["responses"]["200"]["content"]
        assert "image/svg+xml" in content


@pytest.mark.unit
class TestBuckets:
    def test_weeks_and_months_cover_the_period(self) -> None:
        period = Period(start=date(2026, 1, 28), end=date(2026, 3, 2))
        assert bucket_starts(period, Granularity.MONTH) == [
            date(2026, 1, 1),
            date(2026, 2, 1),
            date(2026, 3, 1),
        ]
        assert bucket_starts(period, Granularity.WEEK)[0] == date(2026, 1, 26)
        assert bucket_starts(period, Granularity.WEEK)[-1] == date(2026, 3, 2)
        assert len(bucket_starts(period, Granularity.DAY)) == 34

    def test_the_y_axis_steps_are_round(self) -> None:
        assert [nice_step(top) for top in (0, 4, 7, 23, 100, 999)] == [1, 1, 2, 5, 20, 200]
