"""The live feed through the gateway, as a seller's browser reads it: a publish to eBay and Vinted, a sale on
eBay and the Vinted listing withdrawn, each item on screen within a second of its event; a reconnect with
the last id loses nothing; another seller's feed stays silent; an urgent problem is mailed once.
"""

from __future__ import annotations

import io
import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from e2e_samples import ThreadedPlugin, jeans
from fleet import available
from fleet_table import process
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually

PASSWORD = "correct horse battery"
VINTED = "/api/marketplaces/vinted"
FEED = "/api/notifications/feed"


@dataclass
class Received:
    """One SSE block and when this client read it."""

    at: float
    event: str
    id: str | None
    data: str

    def item(self) -> dict[str, Any]:
        return dict(json.loads(self.data))


class FeedClient:
    """A seller's open feed, read in a thread (as a browser tab would) into a queue of timed blocks."""

    def __init__(self, base_url: str, headers: dict[str, str], last_id: str | None = None) -> None:
        self.blocks: queue.Queue[Received] = queue.Queue()
        self.opened = threading.Event()
        self.stopped = False
        extra = {"Last-Event-ID": last_id} if last_id is not None else {}
        self.thread = threading.Thread(target=self._read, args=(base_url, {**headers, **extra}), daemon=True)
        self.thread.start()
        assert self.opened.wait(15), "the feed did not open"

    def _read(self, base_url: str, headers: dict[str, str]) -> None:
        timeout = httpx.Timeout(10.0, read=60.0)
        with (
            httpx.Client(base_url=base_url, timeout=timeout) as client,
            client.stream("GET", FEED, headers=headers) as response,
        ):
            assert response.status_code == 200, response.read()
            self.opened.set()
            block: dict[str, str] = {}
            for line in response.iter_lines():
                if self.stopped:
                    return
                if line == "":
                    if block:
                        self.blocks.put(
                            Received(
                                time.time(),
                                block.get("event", "message"),
                                block.get("id"),
                                block.get("data", ""),
                            )
                        )
                    block = {}
                    continue
                name, _, value = line.partition(":")
                if name in {"", "retry"}:  # a keep-alive comment, the reconnect delay
                    block["event"] = name or "comment"
                else:
                    block[name] = value.removeprefix(" ")

    def items(self, count: int, timeout: float = 30.0) -> list[tuple[float, dict[str, Any]]]:
        """The next ``count`` items with the time each was read (keep-alives skipped)."""
        found: list[tuple[float, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            block = self.blocks.get(timeout=max(0.1, deadline - time.monotonic()))
            if block.event == "message":
                found.append((block.at, block.item()))
        return found

    def until(self, predicate: Any, timeout: float = 30.0) -> list[tuple[float, dict[str, Any]]]:
        """Items until one matches ``predicate`` (included)."""
        found: list[tuple[float, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout
        while not found or not predicate(found[-1][1]):
            found += self.items(1, timeout=max(0.1, deadline - time.monotonic()))
        return found

    def messages_so_far(self) -> list[Received]:
        out = []
        while True:
            try:
                block = self.blocks.get_nowait()
            except queue.Empty:
                return out
            if block.event not in {"comment", "retry"}:
                out.append(block)

    def close(self) -> None:
        self.stopped = True


class Seller:
    def __init__(self, api: httpx.Client, fleet: Any) -> None:
        self.api, self.fleet = api, fleet
        self.email = f"feed-{uuid.uuid4().hex[:10]}@example.com"
        assert (
            api.post("/api/auth/register", json={"email": self.email, "password": PASSWORD}).status_code
            == 201
        )
        login = api.post("/api/auth/login", json={"email": self.email, "password": PASSWORD})
        self.auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        self.ebay_user: str | None = None
        self.plugin: ThreadedPlugin | None = None

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.api.post(path, json=body, headers=self.auth)
        assert response.status_code == expect, response.text
        return response.json()

    def get(self, path: str, **kw: Any) -> Any:
        response = self.api.get(path, headers=self.auth, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    def feed(self, last_id: str | None = None) -> FeedClient:
        return FeedClient(self.fleet.url("gateway"), self.auth, last_id)

    def connect_ebay(self) -> None:
        username = f"feed_{uuid.uuid4().hex[:8]}"
        start = self.post("/api/marketplaces/ebay/oauth/authorize", {"site": "EBAY_FR"})
        consent = httpx.get(f"{start['authorize_url']}&username={username}", follow_redirects=False)
        back = self.api.get(consent.headers["location"], follow_redirects=False)  # the browser's cookie
        assert "ebay=connected" in back.headers["location"], back.headers
        account = back.headers["location"].split("account_id=")[1]
        address = {"country": "FR", "postal_code": "75011", "city": "Paris"}
        assert self.post(f"/api/marketplaces/ebay/accounts/{account}/setup", {"address": address})["ready"]
        users = httpx.get(f"{self.fleet.url('sandbox-ebay')}/sandbox/users").json()
        self.ebay_user = next(u["userId"] for u in users if u["username"] == username)

    def pair_vinted(self) -> None:
        vinted = self.fleet.url("sandbox-vinted")
        session = httpx.post(f"{vinted}/_control/sessions", json={"login": "feed_seller"}).json()
        code = self.post("/api/auth/plugin/pairing-codes", expect=201)["code"]
        paired = self.api.post("/api/auth/plugin/pair", json={"code": code, "device_name": "feed browser"})
        assert paired.status_code in (200, 201), paired.text
        self.plugin = ThreadedPlugin(
            self.fleet.url("relay-service"), paired.json()["access_token"], vinted, session["access_token"]
        )
        self.plugin.run(self.plugin.plugin.start())
        eventually(lambda: self.get(f"{VINTED}/account")["plugins_online"] == 1, timeout=15)
        pacing = {"writes_per_hour": 200, "min_gap_s": 0, "max_gap_s": 0, "pause_every": 0, "pause_s": 0}
        assert self.api.put(f"{VINTED}/account/pacing", json=pacing, headers=self.auth).status_code == 200

    def product(self, title: str) -> str:
        buffer = io.BytesIO()
        Image.new("RGB", (600, 800), (30, 60, 150)).save(buffer, "JPEG", quality=80)
        files = [("files", ("front.jpg", buffer.getvalue(), "image/jpeg"))]
        uploaded = self.api.post("/api/media/images", files=files, headers=self.auth)
        assert uploaded.status_code == 201, uploaded.text
        media = str(uploaded.json()["results"][0]["image"]["id"])
        product = str(self.post("/api/catalog/products", jeans(title, [media]), expect=201)["id"])
        self.post(f"/api/catalog/products/{product}/status", {"status": "ready"})
        return product

    def close(self) -> None:
        if self.plugin is not None:
            self.plugin.close()


@pytest.fixture
def seller(api: httpx.Client, fleet: Any) -> Iterator[Seller]:
    s = Seller(api, fleet)
    yield s
    s.close()


def lag(received_at: float, item: dict[str, Any]) -> float:
    """From the fleet event to this client reading its item."""
    return received_at - datetime.fromisoformat(item["at"].replace("Z", "+00:00")).timestamp()


class TestLiveFeed:
    def test_publish_and_a_sale_elsewhere_arrive_live_in_order(
        self, seller: Seller, api: httpx.Client, fleet: Any
    ) -> None:
        seller.connect_ebay()
        seller.pair_vinted()
        other = Seller(api, fleet)  # another seller, with its feed open the whole time
        # A new account's own first items (billing announces its free plan) come before its feed opens.
        deadline = time.monotonic() + 10
        while not other.get("/api/notifications/feed/history")["items"] and time.monotonic() < deadline:
            time.sleep(0.2)
        other_feed = other.feed()
        feed = seller.feed()
        try:
            title = f"Levi's 501 feed {uuid.uuid4().hex[:6]}"
            product = seller.product(title)
            seller.post(
                f"/api/catalog/products/{product}/publications",
                {"marketplaces": ["ebay", "vinted"]},
                expect=202,
            )

            def listed(items: list[tuple[float, dict[str, Any]]], marketplace: str) -> bool:
                return any(
                    i["kind"] == "publication.succeeded" and i["data"]["marketplace"] == marketplace
                    for _, i in items
                )

            published: list[tuple[float, dict[str, Any]]] = []
            while not (listed(published, "ebay") and listed(published, "vinted")):
                published += feed.items(1, timeout=60)
            kinds = {(i["kind"], i["data"].get("marketplace")) for _, i in published}
            assert {("publication.started", "ebay"), ("publication.succeeded", "ebay")} <= kinds
            assert ("publication.succeeded", "vinted") in kinds
            succeeded = next(i for _, i in published if i["kind"] == "publication.succeeded")
            assert succeeded["data"]["product_id"] == product
            assert succeeded["data"]["url"]
            assert title in succeeded["text"]

            listings = httpx.get(f"{fleet.url('sandbox-ebay')}/sandbox/listings").json()
            listing = next(x for x in listings if x["title"] == title)
            sold = httpx.post(
                f"{fleet.url('sandbox-ebay')}/sandbox/listings/{listing['listingId']}/sell", json={}
            )
            assert sold.status_code == 200, sold.text
            sale = feed.until(lambda i: i["kind"] == "publication.delisted", timeout=40)
            sale_kinds = [(i["kind"], i["data"].get("marketplace")) for _, i in sale]
            assert ("order.received", "ebay") in sale_kinds
            assert ("product.sold", "ebay") in sale_kinds
            assert sale_kinds[-1] == ("publication.delisted", "vinted")
            assert sale_kinds.index(("product.sold", "ebay")) < len(sale_kinds) - 1

            everything = published + sale
            ids = [i["id"] for _, i in everything]
            assert ids == list(range(ids[0], ids[0] + len(ids))), "in order, none skipped, none twice"
            lags = {f"{i['id']} {i['kind']}": round(lag(at, i), 3) for at, i in everything}
            print(f"\nevent → seller's screen, seconds: {lags}")
            assert max(lags.values()) < 1.0, lags

            # Reconnecting with the id of the last publish item replays exactly the sale's items.
            feed.close()
            resumed = seller.feed(last_id=str(published[-1][1]["id"]))
            try:
                again = [i for _, i in resumed.items(len(sale), timeout=15)]
                assert [i["id"] for i in again] == [i["id"] for _, i in sale]
                assert [i["kind"] for i in again] == [i["kind"] for _, i in sale]
                time.sleep(1.5)
                assert [b for b in resumed.messages_so_far() if b.event == "message"] == []
            finally:
                resumed.close()
            history = seller.get(
                "/api/notifications/feed/history", params={"after": ids[0] - 1, "limit": 500}
            )
            assert [i["id"] for i in history["items"]][: len(ids)] == ids

            assert other_feed.messages_so_far() == [], "another seller's feed stays silent"
        finally:
            feed.close()
            other_feed.close()


class TestUrgentMail:
    def test_an_expired_marketplace_session_is_mailed_once(self, seller: Seller, fleet: Any) -> None:
        sink = process("mail-sink")
        if not available(sink):
            pytest.skip(
                "the mail sink (sandbox/mail) is not in the fleet yet: the mail itself is not checked"
            )
        sink_url = fleet.url("mail-sink")
        seller.connect_ebay()
        feed = seller.feed()
        try:
            revoked = httpx.post(
                f"{fleet.url('sandbox-ebay')}/sandbox/tokens/revoke", json={"user_id": seller.ebay_user}
            )
            assert revoked.status_code == 200, revoked.text
            [(_, item)] = feed.until(lambda i: i["kind"] == "account.session_expired", timeout=30)[-1:]
            assert item["urgent"] is True

            def mails() -> list[dict[str, Any]]:
                # Ours only (auth-service's confirmation mail lands there too).
                return [
                    m
                    for m in httpx.get(f"{sink_url}/messages").json()
                    if seller.email in m["to"] and m["subject"].startswith("Action needed")
                ]

            [mail] = eventually(mails, timeout=20)
            assert mail["subject"] == "Action needed: reconnect your marketplace account"
            assert any("/api/notifications/unsubscribe?token=" in link for link in mail["links"])
            time.sleep(5)  # more failing polls of the revoked account: still one mail
            assert len(mails()) == 1
        finally:
            feed.close()
