"""Two databases per service: sellers land on both, and one seller with a product listed on eBay is moved to
the other database in every service (deploy/local/move_tenant.py's way) while the API keeps answering for
another seller; afterwards its data is the same and it goes on working."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from e2e_samples import jeans
from fleet import PG, Fleet
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually

MOVED_IN = ("catalog-service", "media-service", "marketplace-ebay")
PASSWORD = "correct horse battery"


def _photo() -> bytes:
    """A photo of its own (media answers 200 'duplicate' to the same bytes uploaded twice by a seller)."""
    buffer = io.BytesIO()
    colour = tuple(uuid.uuid4().bytes[:3])
    Image.new("RGB", (400, 500), colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _seller(api: httpx.Client) -> tuple[dict[str, str], str]:
    email = f"seller-{uuid.uuid4().hex[:10]}@example.com"
    assert api.post("/api/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    login = api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = api.get("/api/auth/me", headers=auth)
    assert me.status_code == 200, me.text
    return auth, str(me.json()["current_tenant_id"])


def _product(api: httpx.Client, auth: dict[str, str], title: str) -> str:
    uploaded = api.post(
        "/api/media/images", files=[("files", ("p.jpg", _photo(), "image/jpeg"))], headers=auth
    )
    assert uploaded.status_code == 201, uploaded.text
    media = [r["image"]["id"] for r in uploaded.json()["results"]]
    created = api.post("/api/catalog/products", json=jeans(title, media), headers=auth)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _placements(fleet: Fleet, service_name: str, tenants: list[str]) -> dict[str, str]:
    """Each tenant's database in one service, from the shard map in its home database."""
    service = next(s for s in fleet.services() if s.name == service_name)

    async def read() -> dict[str, str]:
        base = PG.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(f"{base}/{service.database}{fleet.db_suffix}")
        try:
            rows = await conn.fetch(
                "SELECT tenant_id::text AS t, shard, state FROM shared.tenant_shards WHERE tenant_id = ANY($1::uuid[])",
                tenants,
            )
        finally:
            await conn.close()
        assert all(r["state"] == "active" for r in rows), rows
        return {r["t"]: r["shard"] for r in rows}

    return asyncio.run(read())


def _snapshot(api: httpx.Client, auth: dict[str, str], product: str) -> dict[str, Any]:
    def get(path: str) -> Any:
        response = api.get(path, headers=auth)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    return {
        "products": get("/api/catalog/products"),
        "product": get(f"/api/catalog/products/{product}"),
        "publications": get(f"/api/catalog/products/{product}/publications"),
        "accounts": get("/api/marketplaces/ebay/accounts"),
    }


class TestShards:
    @pytest.mark.timeout(420)
    def test_sellers_on_both_databases_and_one_moved_with_its_data(
        self, api: httpx.Client, fleet: Fleet
    ) -> None:
        shards = fleet.shards
        if not shards:
            pytest.skip("the fleet runs on one database per service (VITRINE_E2E_SHARDS is empty)")
        sellers = [_seller(api) for _ in range(4)]
        products = [_product(api, auth, f"Jeans of seller {i}") for i, (auth, _t) in enumerate(sellers)]
        tenants = [t for _a, t in sellers]
        for service in ("catalog-service", "media-service"):
            placed = _placements(fleet, service, tenants)
            assert set(placed) == set(tenants), placed
            assert set(placed.values()) == {"home", *shards}, (service, placed)

        # The seller to move has a product listed on eBay.
        (auth, tenant), product = sellers[0], products[0]
        (other_auth, _other), other_product = sellers[1], products[1]
        start = api.post("/api/marketplaces/ebay/oauth/authorize", json={"site": "EBAY_FR"}, headers=auth)
        assert start.status_code == 200, start.text
        consent = httpx.get(start.json()["authorize_url"], follow_redirects=False)
        back = api.get(consent.headers["location"], follow_redirects=False)
        assert back.status_code == 303, back.text
        assert "ebay=connected" in back.headers["location"], back.headers
        account = back.headers["location"].split("account_id=")[1]
        setup = api.post(
            f"/api/marketplaces/ebay/accounts/{account}/setup",
            json={"address": {"country": "FR", "postal_code": "75011", "city": "Paris"}},
            headers=auth,
        )
        assert setup.status_code == 200, setup.text
        assert setup.json()["ready"], setup.json()
        ready = api.post(f"/api/catalog/products/{product}/status", json={"status": "ready"}, headers=auth)
        assert ready.status_code == 200, ready.text
        published = api.post(
            f"/api/catalog/products/{product}/publications", json={"marketplaces": ["ebay"]}, headers=auth
        )
        assert published.status_code == 202, published.text

        def listed() -> list[dict[str, Any]] | None:
            pubs = api.get(f"/api/catalog/products/{product}/publications", headers=auth).json()
            return pubs if pubs and all(p["status"] == "listed" for p in pubs) else None

        eventually(listed, timeout=30)
        before = _snapshot(api, auth, product)
        source = {s: _placements(fleet, s, [tenant])[tenant] for s in MOVED_IN}
        target = "b" if source["catalog-service"] == "home" else "home"

        # Move it in every service while another seller keeps reading and writing.
        statuses: dict[str, list[int]] = {"other": [], "moved": []}
        moving_problems: list[dict[str, Any]] = []
        done = threading.Event()

        def traffic() -> None:
            with httpx.Client(base_url=api.base_url, timeout=30) as client:
                n = 0
                while not done.is_set():
                    r = client.get(f"/api/catalog/products/{other_product}", headers=other_auth)
                    statuses["other"].append(r.status_code)
                    n += 1
                    if n % 5 == 0:
                        w = client.patch(
                            f"/api/catalog/products/{other_product}",
                            json={"price": f"{40 + n % 10}.00"},
                            headers=other_auth,
                        )
                        statuses["other"].append(w.status_code)
                    m = client.get("/api/catalog/products", headers=auth)
                    statuses["moved"].append(m.status_code)
                    if m.status_code == 503:
                        moving_problems.append(
                            {"body": m.json(), "retry_after": m.headers.get("retry-after")}
                        )
                    time.sleep(0.2)

        thread = threading.Thread(target=traffic)
        thread.start()
        started = time.monotonic()
        try:
            reports = fleet.move_tenant(tenant, target)
        finally:
            done.set()
            thread.join(timeout=30)
        took = time.monotonic() - started
        print(f"\nmoved in {took:.1f} s: {reports}")

        for service in MOVED_IN:
            assert reports[service]["outcome"] == "moved", (service, reports[service])
            assert reports[service]["target"] == target
            assert _placements(fleet, service, [tenant])[tenant] == target
        assert sum(reports["catalog-service"]["rows"].values()) > 0
        # The eBay account's directory, order-poll and reconciliation rows (colocated) moved with the seller.
        assert reports["marketplace-ebay"]["colocated"] >= 3, reports["marketplace-ebay"]
        assert statuses["other"], "no request for the other seller during the move"
        assert set(statuses["other"]) == {200}, statuses["other"]
        # The moved seller was paused (503 + Retry-After, problem+json), never failed otherwise.
        assert set(statuses["moved"]) <= {200, 503}, statuses["moved"]
        for problem in moving_problems:
            assert problem["body"]["type"].endswith("tenant-moving"), problem
            assert int(problem["retry_after"] or 0) >= 1, problem

        # Its data is intact and it goes on working: a new product, its listing still there.
        after = _snapshot(api, auth, product)
        assert after == before
        again = _product(api, auth, "Jeans after the move")
        assert api.get(f"/api/catalog/products/{again}", headers=auth).status_code == 200
        assert api.get(f"/api/catalog/products/{other_product}", headers=other_auth).status_code == 200
        # Moving again to where it is changes nothing.
        assert (
            fleet.move_tenant(tenant, target, ["catalog-service"])["catalog-service"]["outcome"]
            == "already there"
        )
