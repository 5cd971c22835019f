"""Rules and rates through the API; ECB's document read and stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from catalog_service.pricing import ecb

ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube><Cube time="2026-11-30">
    <Cube currency="USD" rate="1.0512"/><Cube currency="GBP" rate="0.8612"/><Cube currency="PLN" rate="4.2810"/>
  </Cube></Cube>
</gesmes:Envelope>"""


class TestEcbDocument:
    def test_the_day_and_every_rate(self) -> None:
        day, rates = ecb.parse(ECB_XML)
        assert day == date(2026, 11, 30)
        assert rates == {"USD": Decimal("1.0512"), "GBP": Decimal("0.8612"), "PLN": Decimal("4.2810")}

    @pytest.mark.parametrize(
        ("document", "why"),
        [
            (b"not xml", "not XML"),
            (b"<a><Cube><Cube currency='GBP' rate='1'/></Cube></a>", "no <Cube time"),
            (b"<a><Cube time='2026-11-30'><Cube currency='GBP' rate='-1'/></Cube></a>", "no usable rates"),
            (b"<a><Cube time='2026-11-30'><Cube currency='GBP' rate='x'/></Cube></a>", "cannot be read"),
            (b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "DTD"),
        ],
    )
    def test_anything_else_is_refused_with_the_reason(self, document: bytes, why: str) -> None:
        with pytest.raises(ecb.BadRates, match=why):
            ecb.parse(document)


class TestRules:
    async def test_set_read_replace_and_delete(self, seller) -> None:
        body = {
            "marketplace": "ebay",
            "site": "EBAY_GB",
            "coefficient": "1.1",
            "fixed_amount": "2",
            "ending": "0.99",
        }
        response = await seller.request("PUT", "/price-rules", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["site"] == "EBAY_GB"
        await seller.request("PUT", "/price-rules", json={"marketplace": "vinted", "ending": "0.90"})
        await seller.request("PUT", "/price-rules", json={**body, "coefficient": "1.2"})
        rules = (await seller.get("/price-rules")).json()
        assert [(r["marketplace"], r["site"], r["coefficient"], r["ending"]) for r in rules] == [
            ("ebay", "EBAY_GB", "1.2000", "0.99"),
            ("vinted", None, "1.0000", "0.90"),
        ]
        assert (await seller.delete("/price-rules/ebay", params={"site": "EBAY_GB"})).status_code == 204
        assert (await seller.delete("/price-rules/ebay", params={"site": "EBAY_GB"})).status_code == 404
        assert [r["marketplace"] for r in (await seller.get("/price-rules")).json()] == ["vinted"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"marketplace": "ebay", "coefficient": "0"}, "coefficient"),
            ({"marketplace": "ebay", "ending": "1.00"}, "ending"),
            ({"marketplace": "ebay", "ending": "0.999"}, "ending"),
            ({"marketplace": "ebay", "site": "EBAY_US"}, "site"),
        ],
    )
    async def test_a_bad_rule_is_a_422_naming_the_field(self, seller, body: dict, field: str) -> None:
        response = await seller.request("PUT", "/price-rules", json=body)
        assert response.status_code == 422
        assert field in response.text

    async def test_a_site_on_a_marketplace_without_sites_is_refused(self, seller) -> None:
        response = await seller.request(
            "PUT", "/price-rules", json={"marketplace": "vinted", "site": "EBAY_GB"}
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("invalid-price-rule")
        assert "Only eBay has sites" in response.json()["detail"]


class TestRates:
    async def test_ecb_rates_shown_and_the_sellers_own_wins(self, seller, ecb_rates) -> None:
        shown = (await seller.get("/exchange-rates")).json()
        assert shown["base"] == "EUR"
        assert shown["source_url"].startswith("http")
        gbp = next(r for r in shown["rates"] if r["currency"] == "GBP")
        assert (gbp["rate"], gbp["rate_date"], gbp["source"]) == ("0.86120000", "2026-11-30", "ecb")
        response = await seller.request(
            "PUT", "/exchange-rates/GBP", json={"rate": "0.9", "rate_date": "2026-12-01"}
        )
        assert response.status_code == 200, response.text
        gbp = next(r for r in (await seller.get("/exchange-rates")).json()["rates"] if r["currency"] == "GBP")
        assert (gbp["rate"], gbp["source"], gbp["ecb_rate"]) == ("0.90000000", "manual", "0.86120000")
        assert (await seller.delete("/exchange-rates/GBP")).status_code == 204
        assert (await seller.delete("/exchange-rates/GBP")).status_code == 404
        gbp = next(r for r in (await seller.get("/exchange-rates")).json()["rates"] if r["currency"] == "GBP")
        assert gbp["source"] == "ecb"

    async def test_a_sellers_rate_is_theirs_alone(self, app, seller) -> None:
        await seller.request("PUT", "/exchange-rates/PLN", json={"rate": "4.3"})
        other = app.seller()
        assert "PLN" not in [r["currency"] for r in (await other.get("/exchange-rates")).json()["rates"]]

    @pytest.mark.parametrize(
        ("currency", "body"),
        [("GBP", {"rate": "0"}), ("GBP", {"rate": "-1"}), ("gbp", {"rate": "1"}), ("EUR", {"rate": "2"})],
    )
    async def test_a_bad_rate_is_a_422(self, seller, currency: str, body: dict) -> None:
        assert (await seller.request("PUT", f"/exchange-rates/{currency}", json=body)).status_code == 422

    async def test_refresh_reads_the_source_and_stores_its_day(self, app, seller) -> None:
        document = ECB_XML.replace(b"2026-11-30", b"2026-11-28").replace(
            b'<Cube currency="PLN" rate="4.2810"/>', b""
        )
        async with serving(document) as url, source(app, url):
            response = await seller.post("/exchange-rates/refresh")
        assert response.status_code == 200, response.text
        assert response.json() == {"rate_date": "2026-11-28", "currencies": 2}
        usd = next(r for r in (await seller.get("/exchange-rates")).json()["rates"] if r["currency"] == "USD")
        assert (usd["rate"], usd["rate_date"], usd["source"]) == ("1.05120000", "2026-11-28", "ecb")

    async def test_refresh_from_a_source_that_does_not_answer_is_a_502_naming_it(self, app, seller) -> None:
        async with source(app, "http://127.0.0.1:9/eurofxref-daily.xml"):
            response = await seller.post("/exchange-rates/refresh")
        assert response.status_code == 502
        assert response.json()["type"].endswith("exchange-rates-unavailable")
        assert "127.0.0.1:9" in response.json()["detail"]

    async def test_refresh_from_a_source_answering_something_else_is_a_502(self, app, seller) -> None:
        async with serving(b"<html>maintenance</html>") as url, source(app, url):
            response = await seller.post("/exchange-rates/refresh")
        assert response.status_code == 502
        assert "no <Cube time" in response.json()["detail"]

    async def test_the_loop_tries_until_a_fetch_succeeds_then_waits_for_the_refresh_period(self, app) -> None:
        ctx = app.runtime.context
        ctx.rates_fetched_at = 0.0
        period, ctx.settings.ecb_refresh_s = ctx.settings.ecb_refresh_s, 3600.0
        try:
            await self._tries_then_waits(app, ctx)
        finally:
            ctx.settings.ecb_refresh_s = period

    async def _tries_then_waits(self, app, ctx) -> None:
        document = ECB_XML.replace(b"2026-11-30", b"2026-11-28").replace(
            b'<Cube currency="PLN" rate="4.2810"/>', b""
        )
        async with source(app, "http://127.0.0.1:9/eurofxref-daily.xml"):
            with pytest.raises(httpx.HTTPError):
                await ecb.tick(ctx)
        assert ctx.rates_fetched_at == 0.0
        async with serving(document) as url, source(app, url):
            await ecb.tick(ctx)
        assert ctx.rates_fetched_at > 0.0
        async with source(app, "http://127.0.0.1:9/eurofxref-daily.xml"):
            await ecb.tick(ctx)  # fetched less than ecb_refresh_s ago: nothing to do


@contextlib.asynccontextmanager
async def serving(body: bytes) -> AsyncIterator[str]:
    """A one-document HTTP server on localhost; yields its URL."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/eurofxref-daily.xml"
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def source(app, url: str) -> AsyncIterator[None]:
    settings = app.runtime.context.settings
    before, settings.ecb_rates_url = settings.ecb_rates_url, url
    try:
        yield
    finally:
        settings.ecb_rates_url = before
