from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from vitrine_contracts.catalog import OrderReceived
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import AccountSessionExpired
from vitrine_contracts.media import ImageDeleted


class TestSessionExpired:
    async def test_each_marketplace_s_expired_session_is_one_open_alert(self, seller) -> None:
        ebay, vinted = uuid.uuid4(), uuid.uuid4()
        for marketplace, account in (
            (Marketplace.EBAY, ebay),
            (Marketplace.VINTED, vinted),
            (Marketplace.EBAY, ebay),
        ):
            await seller.play(
                AccountSessionExpired(marketplace=marketplace, account_id=account, live_listings=3)
            )

        async def two() -> list:
            found = await seller.alerts("session_expired")
            return found if len(found) == 2 else []

        alerts = await seller.eventually(two)
        await asyncio.sleep(0.4)
        assert len(await seller.alerts("session_expired")) == 2
        assert {a["details"]["marketplace"] for a in alerts} == {"ebay", "vinted"}
        acked = await seller.post(f"/alerts/{alerts[0]['id']}/acknowledge")
        assert acked.status_code == 200
        open_ = (await seller.get("/alerts", params={"acknowledged": "false"})).json()["items"]
        assert [a["id"] for a in open_] == [alerts[1]["id"]]


class TestPhotoDeleted:
    async def test_a_deleted_photo_leaves_its_products_and_alerts(self, seller) -> None:
        product = await seller.listed("ebay")
        gone = product["images"][0]["media_id"]
        await seller.play(ImageDeleted(image_id=uuid.UUID(gone)))

        async def taken_off() -> bool:
            return [i["media_id"] for i in (await seller.product(product["id"]))["images"]] == [
                product["images"][1]["media_id"]
            ]

        await seller.eventually(taken_off)
        [alert] = await seller.alerts("photo_deleted")
        assert (alert["product_id"], alert["details"]["media_id"]) == (product["id"], gone)
        revises = await seller.eventually(
            lambda: _revises(seller)
        )  # the live listing no longer shows it either
        assert [i["media_id"] for i in revises[0]["snapshot"]["images"]] == [product["images"][1]["media_id"]]


async def _revises(seller) -> list:
    return [e for e in await seller.emitted("publication.requested") if e["action"] == "revise"]


class TestPromiseMetric:
    async def test_sale_to_delist_start_is_measured_per_delisted_marketplace(self, app, seller) -> None:
        product = await seller.listed("ebay", "etsy", "vinted")
        await seller.play(
            OrderReceived(
                marketplace=Marketplace.VINTED,
                order_id="M-1",
                line_id="M-1",
                external_listing_id=f"vinted-{product['sku']}",
                price=Money(amount="35.00", currency="EUR"),
                ordered_at=datetime.now(UTC),
            )
        )

        async def counted() -> str | None:
            text = (await app.client.get("/metrics")).text
            return text if 'catalog_sale_to_delist_start_seconds_count{marketplace="etsy"}' in text else None

        text = await seller.eventually(counted)
        lines = [x for x in text.splitlines() if x.startswith("catalog_sale_to_delist_start_seconds_count")]
        assert any('marketplace="ebay"' in x for x in lines)
        assert not any('marketplace="vinted"' in x for x in lines)  # the listing that sold is not delisted
        assert isinstance(app.client, httpx.AsyncClient)
