from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sandbox_etsy.app import create_app
from sandbox_etsy.config import Settings

KEY = {"x-api-key": "vitrine-local-keystring:vitrine-local-shared-secret"}
CLIENT_ID = "vitrine-local-keystring"
REDIRECT = "http://127.0.0.1:8000/api/marketplaces/etsy/oauth/callback"
SCOPES = "listings_r listings_w listings_d transactions_r transactions_w shops_r shops_w email_r"
API = "/v3/application"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
async def etsy():
    transport = httpx.ASGITransport(app=create_app(Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        yield client


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def authorize(etsy, challenge: str, **extra: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return await etsy.get("/oauth/connect", params=params)


def query_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


async def exchange(etsy, code: str, verifier: str, redirect: str = REDIRECT) -> httpx.Response:
    return await etsy.post(
        "/v3/public/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect,
            "code": code,
            "code_verifier": verifier,
        },
    )


async def connect(etsy, **extra: str) -> dict[str, Any]:
    verifier, challenge = pkce()
    code = query_of(await authorize(etsy, challenge, **extra))["code"]
    tokens = (await exchange(etsy, code, verifier)).json()
    me = await etsy.get(f"{API}/users/me", headers=h(tokens["access_token"]))
    assert me.status_code == 200, me.text
    return {**tokens, **me.json(), "access": tokens["access_token"], "refresh": tokens["refresh_token"]}


def h(token: str) -> dict[str, str]:
    return {**KEY, "Authorization": f"Bearer {token}"}


async def profiles(etsy, seller: dict[str, Any]) -> dict[str, int]:
    shop = seller["shop_id"]
    shipping = (await etsy.get(f"{API}/shops/{shop}/shipping-profiles", headers=h(seller["access"]))).json()
    readiness = (
        await etsy.get(f"{API}/shops/{shop}/readiness-state-definitions", headers=h(seller["access"]))
    ).json()
    returns = (await etsy.get(f"{API}/shops/{shop}/policies/return", headers=KEY)).json()
    return {
        "shipping_profile_id": shipping["results"][0]["shipping_profile_id"],
        "readiness_state_id": readiness["results"][0]["readiness_state_id"],
        "return_policy_id": returns["results"][0]["return_policy_id"],
    }


async def draft(etsy, seller: dict[str, Any], **fields: Any) -> httpx.Response:
    ids = await profiles(etsy, seller)
    form = {
        "quantity": 1,
        "title": "Vintage denim jacket - Levi's 70s",
        "description": "A worn-in jacket, size M.",
        "price": 45.5,
        "who_made": "someone_else",
        "when_made": "1970s",
        "taxonomy_id": 434,
        "tags": "denim,vintage,jacket",
        **ids,
        **fields,
    }
    return await etsy.post(
        f"{API}/shops/{seller['shop_id']}/listings",
        data={k: v for k, v in form.items() if v is not None},
        headers=h(seller["access"]),
    )


async def upload(etsy, seller: dict[str, Any], listing_id: int, rank: int = 1, **file: Any) -> httpx.Response:
    files = {"image": file.get("image", ("photo.png", PNG, "image/png"))}
    return await etsy.post(
        f"{API}/shops/{seller['shop_id']}/listings/{listing_id}/images",
        files=files,
        data={"rank": str(rank)},
        headers=h(seller["access"]),
    )


async def patch(etsy, seller: dict[str, Any], listing_id: int, **fields: Any) -> httpx.Response:
    return await etsy.patch(
        f"{API}/shops/{seller['shop_id']}/listings/{listing_id}", data=fields, headers=h(seller["access"])
    )


async def active_listing(etsy, seller: dict[str, Any], quantity: int = 1, price: float = 20.0) -> int:
    created = await draft(etsy, seller, quantity=quantity, price=price)
    assert created.status_code == 201, created.text
    listing_id = created.json()["listing_id"]
    assert (await upload(etsy, seller, listing_id)).status_code == 201
    assert (await patch(etsy, seller, listing_id, state="active")).status_code == 200
    return int(listing_id)


class TestOAuth:
    async def test_pkce_dance(self, etsy) -> None:
        verifier, challenge = pkce()
        consent = await authorize(etsy, challenge, user="vintage_anna")
        query = query_of(consent)
        assert query["state"] == "st4te"
        wrong = await exchange(etsy, query["code"], pkce()[0])
        assert wrong.status_code == 400
        assert wrong.json() == {"error": "invalid_grant", "error_description": "code_verifier is invalid"}
        token = await exchange(etsy, query["code"], verifier)
        assert token.status_code == 200, token.text
        body = token.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        user_id, _, opaque = body["access_token"].partition(".")
        assert user_id.isdigit()
        assert opaque
        assert body["refresh_token"].startswith(f"{user_id}.")
        again = await exchange(etsy, query["code"], verifier)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"
        me = (await etsy.get(f"{API}/users/me", headers=h(body["access_token"]))).json()
        assert me["user_id"] == int(user_id)
        shop = (await etsy.get(f"{API}/users/{user_id}/shops", headers=KEY)).json()
        assert shop["shop_id"] == me["shop_id"]
        assert shop["login_name"] == "vintage_anna"
        # The same seller connects again: same user, same shop.
        second = await connect(etsy, user="vintage_anna")
        assert second["user_id"] == me["user_id"]

    async def test_refusals(self, etsy) -> None:
        _, challenge = pkce()
        plain = query_of(await authorize(etsy, challenge, code_challenge_method="plain"))
        assert plain["error"] == "invalid_request"
        assert "code" not in plain
        assert plain["state"] == "st4te"
        missing = query_of(await authorize(etsy, ""))
        assert missing["error"] == "invalid_request"
        scope = query_of(await authorize(etsy, challenge, scope="listings_r everything_w"))
        assert scope["error"] == "invalid_scope"
        denied = query_of(await authorize(etsy, challenge, deny="1"))
        assert denied["error"] == "access_denied"
        elsewhere = await authorize(etsy, challenge, redirect_uri="https://evil.example/cb")
        assert elsewhere.status_code == 400
        assert "redirect URL is not permitted" in elsewhere.text
        unknown = await authorize(etsy, challenge, client_id="someone-else")
        assert unknown.status_code == 400
        verifier, challenge = pkce()
        code = query_of(await authorize(etsy, challenge))["code"]
        moved = await exchange(etsy, code, verifier, redirect="http://127.0.0.1:9999/cb")
        assert moved.json()["error"] == "invalid_grant"
        no_grant = await etsy.post("/v3/public/oauth/token", data={"client_id": CLIENT_ID})
        assert no_grant.json() == {"error": "invalid_request", "error_description": "grant_type is required"}

    async def test_refresh_rotates(self, etsy) -> None:
        seller = await connect(etsy)
        form = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": seller["refresh"]}
        first = await etsy.post("/v3/public/oauth/token", data=form)
        assert first.status_code == 200
        rotated = first.json()
        assert rotated["refresh_token"] != seller["refresh"]
        assert rotated["access_token"] != seller["access"]
        old = await etsy.post("/v3/public/oauth/token", data=form)
        assert old.status_code == 400
        assert old.json()["error"] == "invalid_grant"
        me = await etsy.get(f"{API}/users/me", headers=h(rotated["access_token"]))
        assert me.json()["user_id"] == seller["user_id"]
        await etsy.post("/sandbox/tokens/expire", json={"user_id": seller["user_id"]})
        expired = await etsy.get(f"{API}/users/me", headers=h(rotated["access_token"]))
        assert expired.status_code == 401
        assert expired.json() == {"error": "invalid_token", "error_description": "access token is expired"}
        newest = await etsy.post(
            "/v3/public/oauth/token", json={**form, "refresh_token": rotated["refresh_token"]}
        )
        assert newest.status_code == 200
        await etsy.post("/sandbox/tokens/revoke", json={"user_id": seller["user_id"]})
        revoked = await etsy.post(
            "/v3/public/oauth/token", data={**form, "refresh_token": newest.json()["refresh_token"]}
        )
        assert revoked.json() == {"error": "invalid_grant", "error_description": "refresh_token is revoked"}


class TestApiKey:
    async def test_x_api_key_is_required_with_its_shared_secret(self, etsy) -> None:
        seller = await connect(etsy)
        bearer = {"Authorization": f"Bearer {seller['access']}"}
        missing = await etsy.get(f"{API}/users/me", headers=bearer)
        assert missing.status_code == 403
        alone = await etsy.get(f"{API}/users/me", headers={**bearer, "x-api-key": CLIENT_ID})
        assert alone.status_code == 403
        assert alone.json() == {"error": "Shared secret is required in x-api-key header."}
        wrong = await etsy.get(f"{API}/users/me", headers={**bearer, "x-api-key": f"{CLIENT_ID}:nope"})
        assert wrong.status_code == 403
        assert (await etsy.get(f"{API}/seller-taxonomy/nodes", headers=KEY)).status_code == 200
        no_token = await etsy.get(f"{API}/users/me", headers=KEY)
        assert no_token.status_code == 401
        log = (await etsy.get("/sandbox/requests")).json()
        verdicts = [(r["path"], r["api_key"], r["status"]) for r in log if r["path"] == f"{API}/users/me"]
        assert verdicts[-4:] == [
            (f"{API}/users/me", "missing", 403),
            (f"{API}/users/me", "no_secret", 403),
            (f"{API}/users/me", "invalid", 403),
            (f"{API}/users/me", "ok", 401),
        ]

    async def test_scopes_and_unknown_paths(self, etsy) -> None:
        seller = await connect(etsy, scope="shops_r")
        refused = await draft(etsy, seller)
        assert refused.status_code == 403
        assert "listings_w" in refused.json()["error"]
        shop = (await etsy.get(f"{API}/shops/{seller['shop_id']}", headers=KEY)).json()
        assert shop["currency_code"] == "EUR"
        assert (await etsy.get(urlparse(shop["url"]).path)).status_code == 200
        missing = await etsy.get(f"{API}/no-such-thing", headers=KEY)
        assert missing.status_code == 404
        assert "error" in missing.json()
        put = await etsy.put(f"{API}/shops/{seller['shop_id']}/listings/1", headers=h(seller["access"]))
        assert put.status_code == 405  # updateListing is a PATCH

    async def test_another_sellers_shop_is_forbidden(self, etsy) -> None:
        one, two = await connect(etsy), await connect(etsy)
        refused = await etsy.get(f"{API}/shops/{one['shop_id']}/listings", headers=h(two["access"]))
        assert refused.status_code == 403
        assert "error" in refused.json()


class TestListings:
    async def test_draft_images_activate_and_delete(self, etsy) -> None:
        seller = await connect(etsy)
        created = await draft(etsy, seller, quantity=2)
        assert created.status_code == 201, created.text
        listing = created.json()
        listing_id = listing["listing_id"]
        assert listing["state"] == "draft"
        assert listing["price"] == {"amount": 4550, "divisor": 100, "currency_code": "EUR"}
        assert listing["quantity"] == 2
        assert listing["tags"] == ["denim", "vintage", "jacket"]
        assert listing["url"] == f"http://127.0.0.1:8022/listing/{listing_id}"
        refused = await patch(etsy, seller, listing_id, state="active")
        assert refused.status_code == 400
        assert "image" in refused.json()["error"]
        text = await upload(etsy, seller, listing_id, image=("notes.txt", b"hello", "text/plain"))
        assert text.status_code == 400
        empty = await upload(etsy, seller, listing_id, image=("empty.png", b"", "image/png"))
        assert empty.status_code == 400
        first = await upload(etsy, seller, listing_id)
        assert first.status_code == 201, first.text
        second = await upload(etsy, seller, listing_id, rank=1)
        images = (await etsy.get(f"{API}/listings/{listing_id}/images", headers=h(seller["access"]))).json()
        assert images["count"] == 2
        assert [i["listing_image_id"] for i in images["results"]] == [
            second.json()["listing_image_id"],
            first.json()["listing_image_id"],
        ]
        assert [i["rank"] for i in images["results"]] == [1, 2]
        file = await etsy.get(urlparse(images["results"][0]["url_fullxfull"]).path)
        assert file.content == PNG
        assert file.headers["content-type"] == "image/png"
        # Not visible to the public while it is a draft.
        assert (await etsy.get(f"{API}/listings/{listing_id}", headers=KEY)).status_code == 404
        active = await patch(etsy, seller, listing_id, state="active", title="Vintage denim jacket, size M")
        assert active.status_code == 200, active.text
        assert active.json()["state"] == "active"
        assert active.json()["title"] == "Vintage denim jacket, size M"
        public = (
            await etsy.get(f"{API}/listings/{listing_id}", params={"includes": "Images"}, headers=KEY)
        ).json()
        assert len(public["images"]) == 2
        page = await etsy.get(f"/listing/{listing_id}")
        assert page.status_code == 200
        assert "Vintage denim jacket, size M" in page.text
        shop = f"{API}/shops/{seller['shop_id']}/listings"
        actives = (await etsy.get(shop, headers=h(seller["access"]))).json()
        assert actives["count"] == 1
        assert actives["results"][0]["listing_id"] == listing_id
        drafts = (await etsy.get(shop, params={"state": "draft"}, headers=h(seller["access"]))).json()
        assert drafts["count"] == 0
        # Price and quantity live in the inventory.
        inventory_url = f"{API}/listings/{listing_id}/inventory"
        inventory = (await etsy.get(inventory_url, headers=h(seller["access"]))).json()
        offering = inventory["products"][0]["offerings"][0]
        assert offering["price"]["amount"] == 4550
        assert offering["quantity"] == 2
        put = await etsy.put(
            inventory_url,
            json={
                "products": [
                    {
                        "sku": "VIT-001",
                        "property_values": [],
                        "offerings": [
                            {
                                "price": 39.0,
                                "quantity": 5,
                                "is_enabled": True,
                                "readiness_state_id": offering["readiness_state_id"],
                            }
                        ],
                    }
                ]
            },
            headers=h(seller["access"]),
        )
        assert put.status_code == 200, put.text
        assert put.json()["products"][0]["product_id"] != inventory["products"][0]["product_id"]
        after = (await etsy.get(f"{API}/listings/{listing_id}", headers=KEY)).json()
        assert after["price"]["amount"] == 3900
        assert after["quantity"] == 5
        ignored = await patch(etsy, seller, listing_id, price="1.00", quantity="1")
        assert ignored.json()["price"]["amount"] == 3900
        image_id = images["results"][0]["listing_image_id"]
        removed = await etsy.delete(
            f"{API}/shops/{seller['shop_id']}/listings/{listing_id}/images/{image_id}",
            headers=h(seller["access"]),
        )
        assert removed.status_code == 204
        last = images["results"][1]["listing_image_id"]
        kept = await etsy.delete(
            f"{API}/shops/{seller['shop_id']}/listings/{listing_id}/images/{last}",
            headers=h(seller["access"]),
        )
        assert kept.status_code == 400  # an active listing keeps one image
        inactive = await patch(etsy, seller, listing_id, state="inactive")
        assert inactive.json()["state"] == "inactive"
        deleted = await etsy.delete(f"{API}/listings/{listing_id}", headers=h(seller["access"]))
        assert deleted.status_code == 204
        assert (
            await etsy.get(f"{API}/listings/{listing_id}", headers=h(seller["access"]))
        ).status_code == 404
        everything = (await etsy.get("/sandbox/listings", params={"user": seller["user_id"]})).json()
        assert everything[0]["deleted"] is True
        assert everything[0]["inventory"]["products"][0]["sku"] == "VIT-001"

    async def test_at_most_ten_images(self, etsy) -> None:
        seller = await connect(etsy)
        listing_id = (await draft(etsy, seller)).json()["listing_id"]
        for rank in range(1, 11):
            assert (await upload(etsy, seller, listing_id, rank=rank)).status_code == 201
        eleventh = await upload(etsy, seller, listing_id, rank=11)
        assert eleventh.status_code == 400
        assert "10 images" in eleventh.json()["error"]

    @pytest.mark.parametrize(
        ("fields", "named"),
        [
            ({"title": None}, "title"),
            ({"title": "x" * 141}, "title"),
            ({"title": "Coat & scarf & hat"}, "title"),
            ({"title": "Jacket: wool: blue"}, "title"),
            ({"title": "Jacket 100% wool $40"}, "title"),
            ({"description": ""}, "description"),
            ({"price": 0}, "price"),
            ({"price": "abc"}, "price"),
            ({"quantity": 0}, "quantity"),
            ({"who_made": "me"}, "who_made"),
            ({"when_made": "1960"}, "when_made"),
            ({"taxonomy_id": 999999}, "taxonomy_id"),
            ({"shipping_profile_id": 12345}, "shipping_profile_id"),
            ({"shipping_profile_id": None}, "shipping_profile_id"),
            ({"readiness_state_id": None}, "readiness_state_id"),
            ({"tags": ",".join(f"tag{i}" for i in range(14))}, "tags"),
            ({"tags": "a very very long tag indeed"}, "tags"),
            ({"tags": "denim!"}, "tags"),
            ({"materials": "cotton/linen"}, "materials"),
            ({"styles": "boho,retro,grunge"}, "styles"),
        ],
    )
    async def test_validation_names_the_field(self, etsy, fields: dict[str, Any], named: str) -> None:
        seller = await connect(etsy)
        refused = await draft(etsy, seller, **fields)
        assert refused.status_code == 400, refused.text
        assert named in refused.json()["error"]

    async def test_json_body_and_title_rules(self, etsy) -> None:
        seller = await connect(etsy)
        ids = await profiles(etsy, seller)
        body = {
            "quantity": 1,
            "title": "Robe d'été 100% lin : taille 38 \u2013 très bon état ™",
            "description": "Linen dress",
            "price": 25,
            "who_made": "someone_else",
            "when_made": "2010_2019",
            "taxonomy_id": 2053,
            "tags": ["robe", "lin", "été"],
            **ids,
        }
        created = await etsy.post(
            f"{API}/shops/{seller['shop_id']}/listings", json=body, headers=h(seller["access"])
        )
        assert created.status_code == 201, created.text
        assert created.json()["tags"] == ["robe", "lin", "été"]

    async def test_setup_checks(self, etsy) -> None:
        seller = await connect(etsy, country="US", currency="USD")
        shop = seller["shop_id"]
        ids = await profiles(etsy, seller)
        listing_id = (await draft(etsy, seller, return_policy_id=None)).json()["listing_id"]
        await upload(etsy, seller, listing_id)
        no_policy = await patch(etsy, seller, listing_id, state="active")
        assert no_policy.status_code == 400
        assert "return_policy_id" in no_policy.json()["error"]
        assert (await etsy.delete(f"/sandbox/shops/{shop}/shipping-profiles")).status_code == 204
        listed = (await etsy.get(f"{API}/shops/{shop}/shipping-profiles", headers=h(seller["access"]))).json()
        assert listed == {"count": 0, "results": []}
        gone = await patch(etsy, seller, listing_id, state="active", return_policy_id=ids["return_policy_id"])
        assert gone.status_code == 400
        assert "shipping_profile_id" in gone.json()["error"]
        form = {
            "title": "Colissimo",
            "origin_country_iso": "US",
            "primary_cost": "6.5",
            "secondary_cost": "2",
            "destination_country_iso": "US",
            "min_delivery_days": "2",
            "max_delivery_days": "5",
        }
        no_postal = await etsy.post(
            f"{API}/shops/{shop}/shipping-profiles", data=form, headers=h(seller["access"])
        )
        assert no_postal.status_code == 400
        assert "origin_postal_code" in no_postal.json()["error"]
        made = await etsy.post(
            f"{API}/shops/{shop}/shipping-profiles",
            data={**form, "origin_postal_code": "10001"},
            headers=h(seller["access"]),
        )
        assert made.status_code == 200, made.text
        profile_id = made.json()["shipping_profile_id"]
        assert made.json()["shipping_profile_destinations"][0]["primary_cost"]["amount"] == 650
        activated = await patch(
            etsy,
            seller,
            listing_id,
            state="active",
            shipping_profile_id=profile_id,
            return_policy_id=ids["return_policy_id"],
        )
        assert activated.status_code == 200, activated.text
        readiness = {
            "readiness_state": "ready_to_ship",
            "min_processing_time": "1",
            "max_processing_time": "3",
        }
        duplicate = await etsy.post(
            f"{API}/shops/{shop}/readiness-state-definitions", data=readiness, headers=h(seller["access"])
        )
        assert duplicate.status_code == 409
        assert duplicate.headers["content-location"].endswith(str(ids["readiness_state_id"]))
        made_to_order = await etsy.post(
            f"{API}/shops/{shop}/readiness-state-definitions",
            data={**readiness, "readiness_state": "made_to_order", "processing_time_unit": "weeks"},
            headers=h(seller["access"]),
        )
        assert made_to_order.status_code == 201
        assert made_to_order.json()["max_processing_days"] == 15
        no_deadline = await etsy.post(
            f"{API}/shops/{shop}/policies/return",
            data={"accepts_returns": "true", "accepts_exchanges": "true"},
            headers=h(seller["access"]),
        )
        assert no_deadline.status_code == 400
        assert "return_deadline" in no_deadline.json()["error"]
        policy = await etsy.post(
            f"{API}/shops/{shop}/policies/return",
            data={"accepts_returns": "true", "accepts_exchanges": "true", "return_deadline": "14"},
            headers=h(seller["access"]),
        )
        assert policy.status_code == 200
        assert policy.json()["return_deadline"] == 14
        nodes = (await etsy.get(f"{API}/seller-taxonomy/nodes", headers=KEY)).json()
        clothing = next(n for n in nodes["results"] if n["name"] == "Clothing")
        assert clothing["level"] == 0
        assert clothing["children"][0]["full_path_taxonomy_ids"][0] == clothing["id"]


class TestReceipts:
    async def test_polling_with_min_created_and_pages(self, etsy) -> None:
        seller = await connect(etsy)
        listing_id = await active_listing(etsy, seller, quantity=10)
        base = int(time.time()) - 1000
        made = []
        for i in range(5):
            receipt = await etsy.post(
                "/sandbox/receipts",
                json={
                    "lines": [{"listing_id": listing_id, "quantity": 1}],
                    "created_timestamp": base + i * 100,
                },
            )
            assert receipt.status_code == 200, receipt.text
            made.append(receipt.json()["receipt_id"])
        url = f"{API}/shops/{seller['shop_id']}/receipts"
        everything = (await etsy.get(url, headers=h(seller["access"]))).json()
        assert everything["count"] == 5
        assert [r["receipt_id"] for r in everything["results"]] == made[::-1]  # newest first
        recent = (await etsy.get(url, params={"min_created": base + 200}, headers=h(seller["access"]))).json()
        assert sorted(r["receipt_id"] for r in recent["results"]) == sorted(made[2:])
        pages = []
        for offset in (0, 2, 4):
            page = (
                await etsy.get(
                    url,
                    params={"limit": 2, "offset": offset, "sort_order": "asc", "was_paid": "true"},
                    headers=h(seller["access"]),
                )
            ).json()
            assert page["count"] == 5
            pages.extend(r["receipt_id"] for r in page["results"])
        assert pages == made
        assert (await etsy.get(url, params={"limit": 101}, headers=h(seller["access"]))).status_code == 400
        assert (
            await etsy.get(url, params={"min_created": 5}, headers=h(seller["access"]))
        ).status_code == 400
        # A cancellation shows through min_last_modified.
        since = int(time.time())
        canceled = await etsy.post(f"/sandbox/receipts/{made[0]}/cancel", json={})
        assert canceled.json()["status"] == "canceled"
        changed = (
            await etsy.get(url, params={"min_last_modified": since}, headers=h(seller["access"]))
        ).json()
        assert [r["receipt_id"] for r in changed["results"]] == [made[0]]
        assert changed["results"][0]["status"] == "canceled"
        live = (await etsy.get(url, params={"was_canceled": "false"}, headers=h(seller["access"]))).json()
        assert live["count"] == 4
        refunded = await etsy.post(f"/sandbox/receipts/{made[1]}/refund", json={})
        assert refunded.json()["status"] == "fully refunded"
        assert refunded.json()["refunds"][0]["amount"] == refunded.json()["grandtotal"]

    async def test_three_line_receipt(self, etsy) -> None:
        seller = await connect(etsy)
        one = await active_listing(etsy, seller, quantity=1, price=10)
        two = await active_listing(etsy, seller, quantity=3, price=20)
        three = await active_listing(etsy, seller, quantity=2, price=30)
        receipt = await etsy.post(
            "/sandbox/receipts",
            json={
                "lines": [
                    {"listing_id": one, "quantity": 1},
                    {"listing_id": two, "quantity": 2},
                    {"listing_id": three, "quantity": 1},
                ],
                "buyer": "Marie Curie",
            },
        )
        assert receipt.status_code == 200, receipt.text
        body = receipt.json()
        fetched = (
            await etsy.get(
                f"{API}/shops/{seller['shop_id']}/receipts/{body['receipt_id']}", headers=h(seller["access"])
            )
        ).json()
        assert fetched == body
        lines = [(t["listing_id"], t["quantity"]) for t in fetched["transactions"]]
        assert lines == [(one, 1), (two, 2), (three, 1)]
        assert len({t["transaction_id"] for t in fetched["transactions"]}) == 3
        assert all(t["receipt_id"] == body["receipt_id"] for t in fetched["transactions"])
        assert fetched["total_price"] == {"amount": 8000, "divisor": 100, "currency_code": "EUR"}
        assert fetched["is_paid"] is True
        assert fetched["status"] == "paid"
        assert fetched["name"] == "Marie Curie"
        states = {
            v["listing_id"]: (v["state"], v["quantity"])
            for v in (await etsy.get("/sandbox/listings", params={"user": seller["user_id"]})).json()
        }
        assert states == {one: ("sold_out", 0), two: ("active", 1), three: ("active", 1)}
        too_many = await etsy.post(f"/sandbox/listings/{two}/sell", json={"quantity": 2})
        assert too_many.status_code == 409
        sold_out = await etsy.post(f"/sandbox/listings/{one}/sell", json={})
        assert sold_out.status_code == 409
        renewed = await patch(etsy, seller, one, state="active")
        assert renewed.json()["state"] == "active"
        assert renewed.json()["quantity"] == 1


class TestLimitsAndFaults:
    async def test_rate_limit_headers_and_429(self, etsy) -> None:
        ok = await etsy.get(f"{API}/seller-taxonomy/nodes", headers=KEY)
        assert ok.headers["x-limit-per-second"] == "10000"
        assert ok.headers["x-limit-per-day"] == "10000000"
        assert int(ok.headers["x-remaining-today"]) == 10000000 - 1
        await etsy.post("/sandbox/rate-limits", json={"per_second": 2, "per_day": 1000})
        statuses = []
        for _ in range(6):  # three calls within one second at the least: the third is refused
            response = await etsy.get(f"{API}/seller-taxonomy/nodes", headers=KEY)
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.headers["retry-after"] == "1"
                assert "x-remaining-this-second" not in response.headers
                break
            assert response.headers["x-limit-per-second"] == "2"
        assert statuses[-1] == 429
        await etsy.post("/sandbox/rate-limits", json={"per_second": 100, "per_day": 3})
        remaining = []
        for _ in range(3):
            response = await etsy.get(f"{API}/seller-taxonomy/nodes", headers=KEY)
            remaining.append(response.headers["x-remaining-today"])
        assert remaining == ["2", "1", "0"]
        refused = await etsy.get(f"{API}/seller-taxonomy/nodes", headers=KEY)
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 86400
        assert "error" in refused.json()

    async def test_faults_and_latency(self, etsy) -> None:
        seller = await connect(etsy)
        url = f"{API}/shops/{seller['shop_id']}/receipts"
        await etsy.post(
            "/sandbox/faults",
            json={"status": 503, "count": 2, "path_prefix": f"{API}/shops", "retry_after": 3},
        )
        first = await etsy.get(url, headers=h(seller["access"]))
        assert first.status_code == 503
        assert first.headers["retry-after"] == "3"
        assert "error" in first.json()
        assert (await etsy.get(url, headers=h(seller["access"]))).status_code == 503
        assert (await etsy.get(url, headers=h(seller["access"]))).status_code == 200
        assert (await etsy.get(f"{API}/users/me", headers=h(seller["access"]))).status_code == 200
        await etsy.post("/sandbox/latency", json={"ms": 50})
        started = time.monotonic()
        await etsy.get(f"{API}/users/me", headers=h(seller["access"]))
        assert time.monotonic() - started >= 0.05
        log = [r for r in (await etsy.get("/sandbox/requests")).json() if r["path"] == url]
        assert [r["status"] for r in log] == [503, 503, 200]
        assert all(r["user_id"] == seller["user_id"] for r in log)
        await etsy.post("/sandbox/reset")
        assert (await etsy.get(f"{API}/users/me", headers=h(seller["access"]))).status_code == 401


class TestMore:
    async def test_variations_reattach_and_shipment(self, etsy) -> None:
        seller = await connect(etsy)
        listing_id = await active_listing(etsy, seller, quantity=1, price=20)
        inventory_url = f"{API}/listings/{listing_id}/inventory"
        readiness = (await profiles(etsy, seller))["readiness_state_id"]

        def product(size: str, value_id: int, price: float, quantity: int) -> dict[str, Any]:
            return {
                "sku": f"JKT-{size}",
                "property_values": [
                    {"property_id": 100, "property_name": "Size", "value_ids": [value_id], "values": [size]}
                ],
                "offerings": [
                    {
                        "price": price,
                        "quantity": quantity,
                        "is_enabled": True,
                        "readiness_state_id": readiness,
                    }
                ],
            }

        sizes = [product("S", 1, 20.0, 1), product("M", 2, 25.0, 2)]
        unnamed = await etsy.put(inventory_url, json={"products": sizes}, headers=h(seller["access"]))
        assert unnamed.status_code == 400
        assert "price_on_property" in unnamed.json()["error"]
        body = {
            "products": sizes,
            "price_on_property": [100],
            "quantity_on_property": [100],
            "sku_on_property": [100],
        }
        varied = await etsy.put(inventory_url, json=body, headers=h(seller["access"]))
        assert varied.status_code == 200, varied.text
        listing = (
            await etsy.get(
                f"{API}/listings/{listing_id}",
                params=[
                    ("includes", "Shop"),
                    ("includes", "User"),
                    ("includes", "Shipping"),
                    ("includes", "Inventory"),
                ],
                headers=h(seller["access"]),
            )
        ).json()
        assert listing["has_variations"] is True
        assert listing["quantity"] == 3
        assert listing["price"]["amount"] == 2000  # the cheapest offering
        assert listing["shop"]["shop_id"] == seller["shop_id"]
        assert listing["user"]["user_id"] == seller["user_id"]
        assert listing["shipping_profile"]["shipping_profile_id"] == listing["shipping_profile_id"]
        assert sorted(listing["skus"]) == ["JKT-M", "JKT-S"]
        sold = await etsy.post(f"/sandbox/listings/{listing_id}/sell", json={"quantity": 2, "sku": "JKT-M"})
        assert sold.status_code == 200, sold.text
        transaction = sold.json()["transactions"][0]
        assert transaction["sku"] == "JKT-M"
        assert transaction["price"]["amount"] == 2500
        assert transaction["product_data"][0]["values"] == ["M"]
        receipt_id = sold.json()["receipt_id"]
        shipped = await etsy.post(
            f"{API}/shops/{seller['shop_id']}/receipts/{receipt_id}/tracking",
            json={"tracking_code": "6A12345678901", "carrier_name": "colissimo"},
            headers=h(seller["access"]),
        )
        assert shipped.status_code == 200, shipped.text
        assert shipped.json()["is_shipped"] is True
        assert shipped.json()["shipments"][0]["tracking_code"] == "6A12345678901"
        url = f"{API}/shops/{seller['shop_id']}/receipts"
        unshipped = (await etsy.get(url, params={"was_shipped": "false"}, headers=h(seller["access"]))).json()
        assert unshipped["count"] == 0
        # A deleted image comes back by its id, without uploading the file again.
        images = (await etsy.get(f"{API}/listings/{listing_id}/images", headers=KEY)).json()["results"]
        extra = (await upload(etsy, seller, listing_id, rank=2)).json()["listing_image_id"]
        images_url = f"{API}/shops/{seller['shop_id']}/listings/{listing_id}/images"
        assert (await etsy.delete(f"{images_url}/{extra}", headers=h(seller["access"]))).status_code == 204
        back = await etsy.post(
            images_url, data={"listing_image_id": str(extra), "rank": "1"}, headers=h(seller["access"])
        )
        assert back.status_code == 201, back.text
        now_images = (await etsy.get(f"{API}/listings/{listing_id}/images", headers=KEY)).json()["results"]
        assert [i["listing_image_id"] for i in now_images] == [extra, images[0]["listing_image_id"]]
        public = (await etsy.get(f"{API}/shops/{seller['shop_id']}/listings/active", headers=KEY)).json()
        assert [v["listing_id"] for v in public["results"]] == [listing_id]
        await etsy.post(f"/sandbox/listings/{listing_id}/expire")
        expired = (
            await etsy.get(
                f"{API}/shops/{seller['shop_id']}/listings",
                params={"state": "expired"},
                headers=h(seller["access"]),
            )
        ).json()
        assert expired["count"] == 1
        renewed = await patch(etsy, seller, listing_id, state="active")
        assert renewed.json()["state"] == "active"
        user = await etsy.get(f"{API}/users/{seller['user_id']}", headers=h(seller["access"]))
        assert user.json()["user_id"] == seller["user_id"]

    async def test_fault_after_processing(self, etsy) -> None:
        seller = await connect(etsy)
        await etsy.post(
            "/sandbox/faults",
            json={
                "status": 500,
                "count": 1,
                "path_prefix": f"{API}/shops/{seller['shop_id']}/listings",
                "after_processing": True,
            },
        )
        lost = await draft(etsy, seller)
        assert lost.status_code == 500
        made = (await etsy.get("/sandbox/listings", params={"user": seller["user_id"]})).json()
        assert len(made) == 1  # created although the caller saw a 500
