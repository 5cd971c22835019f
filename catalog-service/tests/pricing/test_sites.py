"""A publication per eBay site: the site's ids, language, currency and account; prices by the rules; a
sale on one site ends every other listing."""

from __future__ import annotations

from datetime import UTC, datetime

from vitrine_contracts.catalog import OrderReceived, PublicationSucceeded
from vitrine_contracts.common import Marketplace, Money

from .conftest import connect_ebay


async def publish(seller, product_id: str, body: dict):
    return await seller.post(f"/products/{product_id}/publications", json=body)


async def requested(seller) -> dict[tuple[str, str | None], dict]:
    return {(e["marketplace"], e.get("site")): e for e in await seller.emitted("publication.requested")}


class TestSites:
    async def test_one_publication_per_site_in_its_language_currency_and_account(
        self, seller, ecb_rates
    ) -> None:
        accounts = await connect_ebay(seller, "EBAY_FR", "EBAY_GB")
        await seller.request(
            "PUT",
            "/price-rules",
            json={
                "marketplace": "ebay",
                "site": "EBAY_GB",
                "coefficient": "1.10",
                "fixed_amount": "2",
                "ending": "0.99",
            },
        )
        await seller.request("PUT", "/price-rules", json={"marketplace": "vinted", "ending": "0.90"})
        product = await seller.ready(price="35.00", colours=["blue"])
        response = await publish(
            seller, product["id"], {"marketplaces": ["ebay", "vinted"], "ebay_sites": ["EBAY_FR", "EBAY_GB"]}
        )
        assert response.status_code == 202, response.text
        pubs = {(p["marketplace"], p["site"]): p for p in response.json()}
        assert set(pubs) == {("ebay", "EBAY_FR"), ("ebay", "EBAY_GB"), ("vinted", None)}
        # 35 EUR → 30.142 GBP x 1.10 + 2 = 35.1562 → 34.99 GBP at ECB's 0.8612 of 2026-11-30
        assert pubs[("ebay", "EBAY_GB")]["price"] == {
            "amount": "34.99",
            "currency": "GBP",
            "rate": "0.86120000",
            "rate_date": "2026-11-30",
            "rate_source": "ecb",
        }
        assert pubs[("ebay", "EBAY_FR")]["price"]["amount"] == "35.00"
        assert pubs[("ebay", "EBAY_FR")]["price"]["rate_source"] is None
        assert pubs[("vinted", None)]["price"]["amount"] == "34.90"  # the x.90 habit

        events = await requested(seller)
        gb, fr = events[("ebay", "EBAY_GB")], events[("ebay", "EBAY_FR")]
        assert gb["account_id"] == accounts["EBAY_GB"]
        assert fr["account_id"] == accounts["EBAY_FR"]
        assert gb["snapshot"]["price"] == {"amount": "34.99", "currency": "GBP"}
        assert fr["snapshot"]["price"] == {"amount": "35.00", "currency": "EUR"}
        assert gb["snapshot"]["mapping"]["extra"]["site"] == "EBAY_GB"
        assert gb["snapshot"]["mapping"]["category_id"] == "11483"  # men's jeans, from EBAY_GB's mapping row
        assert gb["snapshot"]["mapping"]["aspects"]["Colour"] == ["Blue"]
        assert gb["snapshot"]["mapping"]["aspects"]["Department"] == ["Men"]
        assert fr["snapshot"]["mapping"]["aspects"]["Couleur"] == ["Bleu"]
        assert fr["snapshot"]["mapping"]["aspects"]["Département"] == ["Homme"]
        assert events[("vinted", None)]["snapshot"]["price"] == {"amount": "34.90", "currency": "EUR"}

        again = await publish(seller, product["id"], {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_GB"]})
        assert [p["id"] for p in again.json()] == [pubs[("ebay", "EBAY_GB")]["id"]]
        assert len(await seller.emitted("publication.requested.ebay")) == 2

    async def test_a_site_without_an_account_is_a_422_naming_it(self, seller) -> None:
        await connect_ebay(seller, "EBAY_FR")
        product = await seller.ready()
        response = await publish(
            seller, product["id"], {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_FR", "EBAY_DE"]}
        )
        assert response.status_code == 422
        assert response.json()["missing"] == [
            {
                "marketplace": "ebay",
                "site": "EBAY_DE",
                "field": "account",
                "code": "no-account",
                "message": "no eBay account is connected for EBAY_DE: connect one first",
            }
        ]
        assert "ebay[EBAY_DE].account" in response.json()["detail"]
        assert await seller.emitted("publication.requested") == []

    async def test_a_missing_exchange_rate_is_a_422_naming_the_currency(self, seller) -> None:
        await connect_ebay(seller, "EBAY_PL")
        product = await seller.ready()
        response = await publish(seller, product["id"], {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_PL"]})
        assert response.status_code == 422
        assert response.json()["type"].endswith("exchange-rate-missing")
        assert "PLN" in response.json()["detail"]
        assert await seller.emitted("publication.requested") == []
        await seller.request("PUT", "/exchange-rates/PLN", json={"rate": "4.25", "rate_date": "2026-11-29"})
        response = await publish(seller, product["id"], {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_PL"]})
        assert response.status_code == 202, response.text
        assert response.json()[0]["price"] == {
            "amount": "148.75",
            "currency": "PLN",
            "rate": "4.25000000",
            "rate_date": "2026-11-29",
            "rate_source": "manual",
        }

    async def test_ebay_sites_without_ebay_is_a_422(self, seller) -> None:
        product = await seller.ready()
        response = await publish(
            seller, product["id"], {"marketplaces": ["vinted"], "ebay_sites": ["EBAY_GB"]}
        )
        assert response.status_code == 422
        assert "ebay_sites" in response.text


class TestDefaultSites:
    async def test_plain_ebay_goes_to_the_connected_sites_then_to_the_chosen_ones(
        self, seller, ecb_rates
    ) -> None:
        await connect_ebay(seller, "EBAY_GB", "EBAY_FR")
        shown = (await seller.get("/publish-defaults")).json()
        assert shown["ebay_sites"] == []
        assert shown["effective_ebay_sites"] == ["EBAY_FR", "EBAY_GB"]
        first = await seller.ready()
        assert {p["site"] for p in await seller.publish(first["id"], "ebay")} == {"EBAY_FR", "EBAY_GB"}

        response = await seller.request("PUT", "/publish-defaults", json={"ebay_sites": ["EBAY_GB"]})
        assert response.status_code == 200, response.text
        assert response.json()["effective_ebay_sites"] == ["EBAY_GB"]
        second = await seller.ready()
        assert [p["site"] for p in await seller.publish(second["id"], "ebay")] == ["EBAY_GB"]

    async def test_a_chosen_site_without_an_account_is_refused_too(self, seller) -> None:
        await seller.request("PUT", "/publish-defaults", json={"ebay_sites": ["EBAY_IT"]})
        product = await seller.ready()
        response = await publish(seller, product["id"], {"marketplaces": ["ebay"]})
        assert response.status_code == 422
        assert response.json()["missing"][0]["site"] == "EBAY_IT"

    async def test_nothing_chosen_nothing_connected_keeps_the_configured_site(self, seller) -> None:
        product = await seller.ready()
        [pub] = await seller.publish(product["id"], "ebay")
        assert pub["site"] == "EBAY_FR"
        [event] = await seller.emitted("publication.requested.ebay")
        assert (event["site"], event["account_id"]) == ("EBAY_FR", None)

    async def test_a_disconnected_account_no_longer_counts(self, seller) -> None:
        from vitrine_contracts.marketplace import AccountDisconnected

        accounts = await connect_ebay(seller, "EBAY_ES")
        await seller.play(AccountDisconnected(marketplace=Marketplace.EBAY, account_id=accounts["EBAY_ES"]))

        async def gone() -> bool:
            return (await seller.get("/publish-defaults")).json()["ebay_accounts"] == []

        await seller.eventually(gone)

    async def test_an_unknown_site_is_a_422(self, seller) -> None:
        response = await seller.request("PUT", "/publish-defaults", json={"ebay_sites": ["EBAY_US"]})
        assert response.status_code == 422


async def listed_on_fr_gb_vinted(seller) -> tuple[dict, dict[tuple[str, str | None], dict]]:
    await connect_ebay(seller, "EBAY_FR", "EBAY_GB")
    product = await seller.ready()
    response = await publish(
        seller, product["id"], {"marketplaces": ["ebay", "vinted"], "ebay_sites": ["EBAY_FR", "EBAY_GB"]}
    )
    assert response.status_code == 202, response.text
    pubs = {(p["marketplace"], p["site"]): p for p in response.json()}
    for (marketplace, site), pub in pubs.items():
        await seller.play(
            PublicationSucceeded(
                publication_id=pub["id"],
                product_id=product["id"],
                marketplace=Marketplace(marketplace),
                external_id=f"{marketplace}-{site or ''}-{product['sku']}",
                attempt=1,
            )
        )

    async def all_listed() -> bool:
        shown = (await seller.get(f"/products/{product['id']}/publications")).json()
        return [p["status"] for p in shown] == ["listed"] * 3

    await seller.eventually(all_listed)
    return product, pubs


class TestSellOnce:
    async def test_a_sale_on_gb_ends_fr_and_vinted(self, seller, ecb_rates) -> None:
        product, pubs = await listed_on_fr_gb_vinted(seller)
        await seller.play(
            OrderReceived(
                marketplace=Marketplace.EBAY,
                order_id="o-gb-1",
                line_id="l-1",
                external_listing_id=f"ebay-EBAY_GB-{product['sku']}",
                price=Money(amount="34.99", currency="GBP"),
                ordered_at=datetime.now(UTC),
            )
        )

        async def ended() -> bool:
            shown = {
                (p["marketplace"], p["site"]): p["status"]
                for p in (await seller.get(f"/products/{product['id']}/publications")).json()
            }
            return shown == {
                ("ebay", "EBAY_FR"): "delisting",
                ("ebay", "EBAY_GB"): "delisted",
                ("vinted", None): "delisting",
            }

        await seller.eventually(ended)
        delists = await seller.emitted("publication.delist_requested")
        assert {(d["marketplace"], d["site"], d["publication_id"]) for d in delists} == {
            ("ebay", "EBAY_FR", pubs[("ebay", "EBAY_FR")]["id"]),
            ("vinted", None, pubs[("vinted", None)]["id"]),
        }
        assert all(d["why"] == "sold_elsewhere" for d in delists)

    async def test_delisting_one_of_several_sites_needs_the_site(self, seller, ecb_rates) -> None:
        product, pubs = await listed_on_fr_gb_vinted(seller)
        response = await seller.delete(f"/products/{product['id']}/publications/ebay")
        assert response.status_code == 422
        assert response.json()["type"].endswith("site-required")
        response = await seller.delete(
            f"/products/{product['id']}/publications/ebay", params={"site": "EBAY_GB"}
        )
        assert response.status_code == 202, response.text
        assert response.json()["id"] == pubs[("ebay", "EBAY_GB")]["id"]
        [delist] = await seller.emitted("publication.delist_requested")
        assert (delist["site"], delist["why"]) == ("EBAY_GB", "seller_request")

    async def test_a_price_edit_revises_each_site_at_its_own_price(self, seller, ecb_rates) -> None:
        product, _ = await listed_on_fr_gb_vinted(seller)
        response = await seller.patch(f"/products/{product['id']}", json={"price": "50.00"})
        assert response.status_code == 200, response.text

        async def revised() -> list[dict]:
            return [e for e in await seller.emitted("publication.requested") if e["action"] == "revise"]

        async def three() -> bool:
            return len(await revised()) == 3

        await seller.eventually(three)
        prices = {(e["marketplace"], e["site"]): e["snapshot"]["price"] for e in await revised()}
        assert prices == {
            ("ebay", "EBAY_FR"): {"amount": "50.00", "currency": "EUR"},
            ("ebay", "EBAY_GB"): {"amount": "43.06", "currency": "GBP"},  # 50 x 0.8612
            ("vinted", None): {"amount": "50.00", "currency": "EUR"},
        }
