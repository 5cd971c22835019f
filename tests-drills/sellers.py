"""A fresh seller driven through the gateway, and the figures each drill prints."""

from __future__ import annotations

import collections
import io
import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

PASSWORD = "correct horse battery"


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 500), colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def jeans(title: str, media_id: str, stock: int = 1) -> dict[str, Any]:
    """A product eBay and Etsy both accept."""
    return {
        "title": title,
        "description": "Classic 501, straight leg, barely worn.",
        "price": "35.00",
        "stock_quantity": stock,
        "brand": "levi-s",
        "category": "jeans",
        "size_system": "waist",
        "size": "W32",
        "colours": ["blue"],
        "condition": "very_good",
        "gender": "men",
        "images": [{"media_id": media_id}],
    }


class Seller:
    """A new account (register + login) with its bearer token."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.email = f"drill-{uuid.uuid4().hex[:10]}@example.com"
        registered = api.post("/api/auth/register", json={"email": self.email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        login = api.post("/api/auth/login", json={"email": self.email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        self.token = login.json()["access_token"]
        self.auth = {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        response = self.api.request(method, path, headers=self.auth, **kw)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def connect_ebay(self) -> None:
        start = self.call("POST", "/api/marketplaces/ebay/oauth/authorize", json={"site": "EBAY_FR"})
        consent = httpx.get(start["authorize_url"], follow_redirects=False, timeout=30)
        assert consent.status_code == 302, consent.text
        back = self.api.get(consent.headers["location"], follow_redirects=False)  # the browser's cookie
        assert "ebay=connected" in back.headers["location"], back.headers
        account = back.headers["location"].split("account_id=")[1]
        address = {"country": "FR", "postal_code": "75011", "city": "Paris"}
        setup = self.call(
            "POST", f"/api/marketplaces/ebay/accounts/{account}/setup", json={"address": address}
        )
        assert setup["ready"], setup

    def connect_etsy(self) -> None:
        # The connection is bound to the browser by a cookie the callback checks: one cookie jar throughout.
        with httpx.Client(base_url=str(self.api.base_url), timeout=30) as browser:
            start = browser.post("/api/marketplaces/etsy/oauth/authorize", headers=self.auth)
            assert start.status_code == 200, start.text
            consent = httpx.get(start.json()["authorize_url"], follow_redirects=False, timeout=30)
            assert consent.status_code == 302, consent.text
            back = browser.get(consent.headers["location"], follow_redirects=False)
            assert back.status_code == 303, back.text
            assert "etsy=connected" in back.headers["location"], back.headers
        assert self.call("GET", "/api/marketplaces/etsy/account/setup")["ready"]

    def upload_photo(self, colour: tuple[int, int, int] = (20, 40, 160)) -> str:
        files = [("files", ("front.jpg", photo(colour), "image/jpeg"))]
        uploaded = self.api.post("/api/media/images", files=files, headers=self.auth)
        assert uploaded.status_code == 201, uploaded.text
        return str(uploaded.json()["results"][0]["image"]["id"])

    def product(self, title: str, media_id: str, stock: int = 1) -> str:
        product = str(
            self.call("POST", "/api/catalog/products", 201, json=jeans(title, media_id, stock))["id"]
        )
        self.call("POST", f"/api/catalog/products/{product}/status", json={"status": "ready"})
        return product

    def publications(self, product: str) -> dict[str, dict[str, Any]]:
        pubs = self.call("GET", f"/api/catalog/products/{product}/publications")
        return {p["marketplace"]: p for p in pubs}


def figures(title: str, rows: dict[str, Any]) -> None:
    """Print a drill's figures as a two-column table (``make chaos`` shows them)."""
    width = max(len(k) for k in rows)
    print(f"\n== {title}")
    for key, value in rows.items():
        print(f"  {key:<{width}}  {value}")


class Prober:
    """A seller of its own reading and writing through the gateway during a drill, counting every status.

    Each round lists products, creates one, reads it and deletes it (a deleted product leaves the quota).
    """

    def __init__(self, api: httpx.Client) -> None:
        self.seller = Seller(api)
        self.statuses: collections.Counter[int] = collections.Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=str(self.seller.api.base_url), timeout=30, headers=self.seller.auth) as c:
            n = 0
            while not self.stopping.is_set():
                n += 1
                self.note(lambda: c.get("/api/catalog/products", params={"limit": 5}))
                body = {"title": f"Probe {n}", "price": "5.00", "stock_quantity": 1}
                created = self.note(lambda: c.post("/api/catalog/products", json=body))  # noqa: B023
                if created is not None and created.status_code == 201:
                    path = f"/api/catalog/products/{created.json()['id']}"
                    self.note(lambda: c.get(path))  # noqa: B023
                    self.note(lambda: c.delete(path))  # noqa: B023
                time.sleep(0.2)

    def note(self, call: Callable[[], httpx.Response]) -> httpx.Response | None:
        try:
            r = call()
        except httpx.HTTPError:
            self.statuses[0] += 1  # no answer at all
            return None
        self.statuses[r.status_code] += 1
        return r

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 or status == 0)

    def __enter__(self) -> Prober:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


def log_count(path: Path, message: str, **fields: Any) -> int:
    """JSON log lines of ``path`` with this message (and these fields)."""
    count = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if message not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("msg") == message and all(record.get(k) == v for k, v in fields.items()):
                count += 1
    return count
