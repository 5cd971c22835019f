"""An Etsy shop sells in its own currency (reported at connection): a product priced in another one goes
out converted by the same rules and rates as an eBay site, and the publication keeps the price it went out
at; a revise converts again."""

from __future__ import annotations

import uuid

from catalog_service.models import MarketplaceAccount
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountConnected


async def connect_etsy(seller, currency: str | None) -> str:
    account_id = str(uuid.uuid4())
    await seller.get("/publish-defaults")  # the tenant's tables exist before they are read below
    await seller.play(
        AccountConnected(marketplace=Marketplace.ETSY, account_id=account_id, site="GB", currency=currency)
    )

    async def known() -> bool:
        async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
            row = await session.get(MarketplaceAccount, uuid.UUID(account_id))
            return row is not None and row.currency == currency

    await seller.eventually(known)
    return account_id


async def publish_etsy(seller, product_id: str):
    return await seller.post(f"/products/{product_id}/publications", json={"marketplaces": ["etsy"]})


class TestShopCurrency:
    async def test_a_eur_product_goes_to_a_gbp_shop_in_gbp(self, seller, ecb_rates) -> None:
        await connect_etsy(seller, "GBP")
        await seller.request("PUT", "/price-rules", json={"marketplace": "etsy", "ending": "0.99"})
        product = await seller.ready(price="35.00")
        response = await publish_etsy(seller, product["id"])
        assert response.status_code == 202, response.text
        [pub] = response.json()
        # 35 EUR x 0.8612 = 30.142 GBP → 29.99 with the rule's ending
        assert pub["price"] == {
            "amount": "29.99",
            "currency": "GBP",
            "rate": "0.86120000",
            "rate_date": "2026-11-30",
            "rate_source": "ecb",
        }
        [event] = await seller.emitted("publication.requested.etsy")
        assert event["snapshot"]["price"] == {"amount": "29.99", "currency": "GBP"}

        await seller.succeed(pub, "1234567")
        assert (await seller.patch(f"/products/{product['id']}", json={"price": "50.00"})).status_code == 200

        async def revised() -> list[dict]:
            return [e for e in await seller.emitted("publication.requested.etsy") if e["action"] == "revise"]

        await seller.eventually(revised)
        [revise] = await revised()
        assert revise["snapshot"]["price"] == {"amount": "42.99", "currency": "GBP"}  # 43.06 → .99
        shown = (await seller.get(f"/products/{product['id']}/publications")).json()
        assert shown[0]["price"]["amount"] == "42.99"

    async def test_a_shop_currency_without_a_rate_is_a_422_naming_it(self, seller, ecb_rates) -> None:
        # CHF: a currency no test stores an ECB rate for (the database is shared; test_pricing_api stores USD).
        await connect_etsy(seller, "CHF")
        product = await seller.ready(price="35.00")
        response = await publish_etsy(seller, product["id"])
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("exchange-rate-missing")
        assert "CHF" in response.json()["detail"]
        assert await seller.emitted("publication.requested") == []
        await seller.request("PUT", "/exchange-rates/CHF", json={"rate": "0.95", "rate_date": "2026-11-29"})
        response = await publish_etsy(seller, product["id"])
        assert response.status_code == 202, response.text
        assert response.json()[0]["price"]["amount"] == "33.25"
        assert response.json()[0]["price"]["currency"] == "CHF"

    async def test_a_shop_in_the_products_currency_or_unknown_keeps_the_price(self, seller) -> None:
        await connect_etsy(seller, None)  # connected before shops reported their currency
        product = await seller.ready(price="35.00")
        response = await publish_etsy(seller, product["id"])
        assert response.status_code == 202, response.text
        assert response.json()[0]["price"]["amount"] == "35.00"
        assert response.json()[0]["price"]["currency"] == "EUR"
        assert response.json()[0]["price"]["rate_source"] is None
