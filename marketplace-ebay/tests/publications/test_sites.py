"""A publication names its eBay site: it goes out with that site's account, in that site's currency and
language, and never through another site's account."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from vitrine_contracts.common import Money


async def outcome(ebay, event) -> tuple[str, dict]:
    deadline = asyncio.get_running_loop().time() + 30
    pid = str(event.publication_id)
    while asyncio.get_running_loop().time() < deadline:
        for kind in ("publication.succeeded", "publication.failed"):
            found = await ebay.events(kind, publication_id=pid)
            if found:
                return kind, found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no outcome for {pid}")


# The required item specifics, named as each site names them (catalog sends them so).
ASPECTS = {
    "EBAY_GB": {"Brand": ["Levi's"], "Size": ["M"], "Colour": ["Blue"]},
    "EBAY_FR": {"Marque": ["Levi's"], "Taille": ["M"], "Couleur": ["Bleu"]},
}


def for_site(h, account: str | None, site: str, amount: str, currency: str):
    event = h.request(account, price=amount)
    mapping = event.snapshot.mapping.model_copy(
        update={"aspects": ASPECTS.get(site, ASPECTS["EBAY_GB"]), "extra": {"site": site}}
    )
    snapshot = event.snapshot.model_copy(
        update={"price": Money(amount=Decimal(amount), currency=currency), "mapping": mapping}
    )
    return event.model_copy(update={"site": site, "snapshot": snapshot})


async def ready(ebay, site: str) -> str:
    account = await ebay.connect(site)
    await ebay.setup(account)
    return account


class TestSites:
    async def test_each_site_with_its_account_currency_and_language(self, h, ebay) -> None:
        fr, gb = await ready(ebay, "EBAY_FR"), await ready(ebay, "EBAY_GB")
        to_gb = for_site(h, gb, "EBAY_GB", "34.99", "GBP")
        to_fr = for_site(h, None, "EBAY_FR", "35.00", "EUR")  # no account named: the site's own
        await ebay.send(to_gb)
        await ebay.send(to_fr)
        assert (await outcome(ebay, to_gb))[0] == "publication.succeeded"
        assert (await outcome(ebay, to_fr))[0] == "publication.succeeded"
        [on_gb] = (
            await ebay.sandbox.get("/sandbox/listings", params={"sku": f"VTR-{to_gb.publication_id.hex}"})
        ).json()
        [on_fr] = (
            await ebay.sandbox.get("/sandbox/listings", params={"sku": f"VTR-{to_fr.publication_id.hex}"})
        ).json()
        assert (on_gb["marketplaceId"], on_gb["price"], on_gb["currency"], on_gb["locale"]) == (
            "EBAY_GB",
            "34.99",
            "GBP",
            "en-GB",
        )
        assert (on_fr["marketplaceId"], on_fr["currency"], on_fr["locale"]) == ("EBAY_FR", "EUR", "fr-FR")
        assert on_gb["sellerUsername"] != on_fr["sellerUsername"]  # two accounts, one per site
        listings = (await ebay.client.get("/listings", headers=ebay.auth())).json()["items"]
        by_account = {row["publication_id"]: row["account_id"] for row in listings}
        assert by_account[str(to_gb.publication_id)] == gb
        assert by_account[str(to_fr.publication_id)] == fr

    async def test_a_site_without_an_account_fails_naming_it_and_lists_nowhere(self, h, ebay) -> None:
        fr = await ready(ebay, "EBAY_FR")
        event = for_site(h, fr, "EBAY_GB", "34.99", "GBP")  # the FR account named for GB: not used
        await ebay.send(event)
        kind, failed = await outcome(ebay, event)
        assert (kind, failed["code"]) == ("publication.failed", "no-account")
        assert "EBAY_GB" in failed["reason"]
        sku = f"VTR-{event.publication_id.hex}"
        assert (await ebay.sandbox.get("/sandbox/listings", params={"sku": sku})).json() == []

    async def test_a_price_in_another_currency_than_the_sites_fails_before_ebay(self, h, ebay) -> None:
        gb = await ready(ebay, "EBAY_GB")
        event = for_site(h, gb, "EBAY_GB", "35.00", "EUR")
        await ebay.send(event)
        kind, failed = await outcome(ebay, event)
        assert (kind, failed["code"]) == ("publication.failed", "currency-mismatch")
        assert "GBP" in failed["reason"]
