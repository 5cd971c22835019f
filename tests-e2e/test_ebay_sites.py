"""One product on eBay FR, eBay GB and Vinted, through the gateway: eBay accounts on two sites for one
seller, price rules and ECB's rates (the stand-in in sandbox-ebay), each eBay listing read back from the
sandbox with its site's category ids, aspect language and currency; a sale on GB ends FR and Vinted."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from e2e_samples import ThreadedPlugin, jeans
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually

PASSWORD = "correct horse battery"
EBAY = "/api/marketplaces/ebay"
VINTED = "/api/marketplaces/vinted"
CATALOG = "/api/catalog"
ADDRESSES = {
    "EBAY_FR": {"country": "FR", "postal_code": "75011", "city": "Paris"},
    "EBAY_GB": {"country": "GB", "postal_code": "SW1A 1AA", "city": "London"},
}


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class Seller:
    def __init__(self, api: httpx.Client, fleet: Any) -> None:
        self.api, self.fleet = api, fleet
        email = f"sites-{uuid.uuid4().hex[:10]}@example.com"
        assert api.post("/api/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
        login = api.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
        self.auth = {"Authorization": f"Bearer {login['access_token']}"}
        self.ebay_url = fleet.url("sandbox-ebay")
        self.vinted_url = fleet.url("sandbox-vinted")
        self.plugin: ThreadedPlugin | None = None

    def call(self, method: str, path: str, body: Any = None, expect: int = 200, **kw: Any) -> Any:
        response = self.api.request(method, path, json=body, headers=self.auth, **kw)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def connect_ebay(self, site: str) -> str:
        start = self.call("POST", f"{EBAY}/oauth/authorize", {"site": site})
        consent = httpx.get(start["authorize_url"], follow_redirects=False)
        assert consent.status_code == 302, consent.text
        back = self.api.get(consent.headers["location"], follow_redirects=False)  # the browser's cookie
        assert "ebay=connected" in back.headers["location"], back.headers
        account = back.headers["location"].split("account_id=")[1]
        assert self.call("POST", f"{EBAY}/accounts/{account}/setup", {"address": ADDRESSES[site]})["ready"]
        return account

    def pair_vinted(self) -> None:
        session = httpx.post(f"{self.vinted_url}/_control/sessions", json={"login": "sites_seller"}).json()
        self.vinted_user = session["user_id"]
        code = self.call("POST", "/api/auth/plugin/pairing-codes", expect=201)["code"]
        paired = self.api.post("/api/auth/plugin/pair", json={"code": code, "device_name": "e2e browser"})
        assert paired.status_code in (200, 201), paired.text
        self.plugin = ThreadedPlugin(
            self.fleet.url("relay-service"),
            paired.json()["access_token"],
            self.vinted_url,
            session["access_token"],
        )
        self.plugin.run(self.plugin.plugin.start())
        eventually(lambda: self.call("GET", f"{VINTED}/account")["plugins_online"] == 1, timeout=15)
        pacing = {"writes_per_hour": 200, "min_gap_s": 0, "max_gap_s": 0, "pause_every": 0, "pause_s": 0}
        self.call("PUT", f"{VINTED}/account/pacing", pacing)

    def product(self, title: str) -> str:
        files = [("files", ("front.jpg", photo((20, 40, 160)), "image/jpeg"))]
        uploaded = self.api.post("/api/media/images", files=files, headers=self.auth)
        assert uploaded.status_code == 201, uploaded.text
        media_id = str(uploaded.json()["results"][0]["image"]["id"])
        product = str(self.call("POST", f"{CATALOG}/products", jeans(title, [media_id]), expect=201)["id"])
        self.call("POST", f"{CATALOG}/products/{product}/status", {"status": "ready"})
        return product

    def publications(self, product: str) -> dict[tuple[str, str | None], dict[str, Any]]:
        pubs = self.call("GET", f"{CATALOG}/products/{product}/publications")
        for p in pubs:
            assert p["status"] != "failed", p
        return {(p["marketplace"], p["site"]): p for p in pubs}

    def ebay_listing(self, listing_id: str) -> dict[str, Any]:
        listings = httpx.get(f"{self.ebay_url}/sandbox/listings").json()
        return next(x for x in listings if x["listingId"] == listing_id)

    def vinted_item(self, item_id: str) -> dict[str, Any]:
        items = httpx.get(f"{self.vinted_url}/_control/items").json()
        return next(i for i in items if str(i["id"]) == item_id)


@pytest.fixture
def seller(api: httpx.Client, fleet: Any) -> Iterator[Seller]:
    s = Seller(api, fleet)
    yield s
    if s.plugin is not None:
        s.plugin.close()


class TestEbaySites:
    def test_listed_on_fr_gb_and_vinted_then_sold_on_gb(self, seller: Seller) -> None:
        accounts = {site: seller.connect_ebay(site) for site in ("EBAY_FR", "EBAY_GB")}
        eventually(
            lambda: (
                {a["site"] for a in seller.call("GET", f"{CATALOG}/publish-defaults")["ebay_accounts"]}
                == {"EBAY_FR", "EBAY_GB"}
            ),
            timeout=15,
        )
        seller.pair_vinted()

        # ECB's rates from the stand-in (today's: the fleet's loop may have stored today's already), read by
        # catalog on the seller's request; rules per site.
        today = datetime.now(UTC).date().isoformat()
        rates = {"rates": {"GBP": "0.8612", "PLN": "4.2810", "USD": "1.0512"}, "date": today}
        assert httpx.put(f"{seller.ebay_url}/sandbox/ecb/rates", json=rates).status_code == 204
        refreshed = seller.call("POST", f"{CATALOG}/exchange-rates/refresh")
        assert refreshed == {"rate_date": today, "currencies": 3}
        shown = {r["currency"]: r for r in seller.call("GET", f"{CATALOG}/exchange-rates")["rates"]}
        assert (shown["GBP"]["rate"], shown["GBP"]["source"]) == ("0.86120000", "ecb")
        gb_rule = {
            "marketplace": "ebay",
            "site": "EBAY_GB",
            "coefficient": "1.10",
            "fixed_amount": "2",
            "ending": "0.99",
        }
        seller.call("PUT", f"{CATALOG}/price-rules", gb_rule)
        seller.call("PUT", f"{CATALOG}/price-rules", {"marketplace": "vinted", "ending": "0.90"})

        title = f"Levi's 501 jeans {uuid.uuid4().hex[:6]}"
        product = seller.product(title)
        body = {"marketplaces": ["ebay", "vinted"], "ebay_sites": ["EBAY_FR", "EBAY_GB"]}
        seller.call("POST", f"{CATALOG}/products/{product}/publications", body, expect=202)
        wanted = {("ebay", "EBAY_FR"), ("ebay", "EBAY_GB"), ("vinted", None)}

        def all_listed() -> dict[tuple[str, str | None], dict[str, Any]] | None:
            pubs = seller.publications(product)
            return (
                pubs if set(pubs) == wanted and all(p["status"] == "listed" for p in pubs.values()) else None
            )

        pubs = eventually(all_listed, timeout=60)
        fr = seller.ebay_listing(pubs[("ebay", "EBAY_FR")]["external_id"])
        gb = seller.ebay_listing(pubs[("ebay", "EBAY_GB")]["external_id"])

        # Each site's listing: its account, its category ids, its language, its currency.
        assert (fr["marketplaceId"], gb["marketplaceId"]) == ("EBAY_FR", "EBAY_GB")
        assert fr["sellerUsername"] != gb["sellerUsername"]
        for site, listing in (("EBAY_FR", fr), ("EBAY_GB", gb)):
            rows = seller.call(
                "GET", f"{CATALOG}/reference/mappings/ebay", params={"kind": "category", "code": "jeans"}
            )
            mapped = [r for r in rows if r["site"] == site and r["gender"] == "men"]
            assert [listing["categoryId"]] == [r["external_id"] for r in mapped], (site, mapped)
        # (eBay's clothing ids are global: the two rows agree in the taxonomy data; each listing took its own.)
        assert (fr["locale"], gb["locale"]) == ("fr-FR", "en-GB")
        assert fr["aspects"]["Marque"] == ["Levi's"]
        assert fr["aspects"]["Couleur"] == ["Bleu"]
        assert fr["aspects"]["Département"] == ["Homme"]
        assert gb["aspects"]["Brand"] == ["Levi's"]
        assert gb["aspects"]["Colour"] == ["Blue"]
        assert gb["aspects"]["Department"] == ["Men"]
        # 35.00 EUR → x 0.8612 = 30.142 GBP, x 1.10 + 2 = 35.1562 → 34.99 GBP (the .99 habit)
        assert (fr["price"], fr["currency"]) == ("35.00", "EUR")
        assert (gb["price"], gb["currency"]) == ("34.99", "GBP")
        gb_price = pubs[("ebay", "EBAY_GB")]["price"]
        assert gb_price == {
            "amount": "34.99",
            "currency": "GBP",
            "rate": "0.86120000",
            "rate_date": today,
            "rate_source": "ecb",
        }
        assert Decimal(pubs[("vinted", None)]["price"]["amount"]) == Decimal("34.90")
        item = seller.vinted_item(pubs[("vinted", None)]["external_id"])
        assert Decimal(str(item["price"])) == Decimal("34.90"), item
        assert not item["is_closed"]

        # Sold on eBay GB (the sandbox's control call): FR is withdrawn and the Vinted item deleted.
        sold = httpx.post(
            f"{seller.ebay_url}/sandbox/listings/{gb['listingId']}/sell", json={"buyer": "oliver"}
        )
        assert sold.status_code == 200, sold.text

        def ended() -> dict[tuple[str, str | None], dict[str, Any]] | None:
            now = seller.publications(product)
            return now if all(p["status"] == "delisted" for p in now.values()) else None

        final = eventually(ended, timeout=40)
        assert final[("ebay", "EBAY_GB")]["reason"] == "sold here"
        assert seller.ebay_listing(fr["listingId"])["status"] == "ENDED"
        assert seller.vinted_item(item_id := str(item["id"]))["item_closing_action"] == "deleted", item_id
        found = seller.call("GET", f"{CATALOG}/products/{product}")
        assert (found["status"], found["stock_quantity"]) == ("sold", 0)
        orders = seller.call("GET", f"{CATALOG}/orders", params={"product_id": product})["items"]
        assert [(o["marketplace"], o["currency"], o["price"]) for o in orders] == [("ebay", "GBP", "34.99")]
        assert accounts["EBAY_GB"] != accounts["EBAY_FR"]

    def test_a_site_without_an_account_is_refused_naming_it(self, seller: Seller) -> None:
        seller.connect_ebay("EBAY_FR")
        eventually(lambda: seller.call("GET", f"{CATALOG}/publish-defaults")["ebay_accounts"], timeout=15)
        product = seller.product(f"Levi's 501 jeans {uuid.uuid4().hex[:6]}")
        body = {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_FR", "EBAY_GB"]}
        refused = seller.call("POST", f"{CATALOG}/products/{product}/publications", body, expect=422)
        assert [(m["site"], m["code"]) for m in refused["missing"]] == [("EBAY_GB", "no-account")]
        assert seller.publications(product) == {}

    def test_a_listing_goes_out_with_the_policies_chosen_for_it(self, seller: Seller) -> None:
        fr, gb = seller.connect_ebay("EBAY_FR"), seller.connect_ebay("EBAY_GB")
        eventually(
            lambda: len(seller.call("GET", f"{CATALOG}/publish-defaults")["ebay_accounts"]) == 2, timeout=15
        )
        shipping = {
            "kind": "fulfillment",
            "name": "Colissimo suivi",
            "handling_days": 2,
            "shipping_services": [{"service_code": "FR_ColiposteColissimo", "cost": "4.90"}],
        }
        mine = seller.call("POST", f"{EBAY}/accounts/{fr}/policies", shipping, expect=201)["policy_id"]
        on_gb = seller.call("GET", f"{EBAY}/accounts/{gb}/policies")["policies"]
        gb_return = next(p["policy_id"] for p in on_gb if p["kind"] == "return")
        product = seller.product(f"Levi's 501 jeans {uuid.uuid4().hex[:6]}")
        path = f"{CATALOG}/products/{product}/publications"

        # Another site's policy is refused before anything is listed, naming the field and the site.
        wrong = {"fulfillment_policy_id": mine, "return_policy_id": gb_return}
        body = {"marketplaces": ["ebay"], "ebay_sites": ["EBAY_FR"], "ebay_policies": {"EBAY_FR": wrong}}
        refused = seller.call("POST", path, body, expect=422)
        assert [(m["site"], m["field"]) for m in refused["missing"]] == [
            ("EBAY_FR", "policies.return_policy_id")
        ]
        assert seller.publications(product) == {}

        body["ebay_policies"] = {"EBAY_FR": {"fulfillment_policy_id": mine}}
        seller.call("POST", path, body, expect=202)
        pub = eventually(
            lambda: next((p for p in seller.publications(product).values() if p["status"] == "listed"), None),
            timeout=40,
        )
        assert pub["policies"]["fulfillment_policy_id"] == mine
        sku = f"VTR-{uuid.UUID(pub['id']).hex}"
        [offer] = httpx.get(f"{seller.ebay_url}/sandbox/offers", params={"sku": sku}).json()
        assert offer["listingPolicies"]["fulfillmentPolicyId"] == mine
        listings = seller.call("GET", f"{EBAY}/listings")["items"]
        [kept] = [x for x in listings if x["publication_id"] == pub["id"]]
        assert kept["policies"]["fulfillment_policy_id"] == mine
        assert kept["policies"]["payment_policy_id"]  # the account's default for the kinds not chosen
