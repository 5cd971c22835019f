from __future__ import annotations

import asyncio
import socket
import time
import uuid
from typing import Any

import pytest
from notification_service.feed.schemas import StreamEnd
from vitrine_contracts.catalog import PublicationFailed, PublicationStarted
from vitrine_contracts.common import Marketplace
from vitrine_kit.auth.revocation import Revocation, RevocationList, RevocationPage, revocation_key
from vitrine_kit.testing.helpers import eventually


def started(n: int = 1) -> PublicationStarted:
    return PublicationStarted(
        publication_id=uuid.uuid4(), product_id=uuid.uuid4(), marketplace=Marketplace.EBAY, attempt=n
    )


class TestLive:
    async def test_items_arrive_in_order_with_their_ids(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed() as feed:
            await seller.connected()
            await seller.play(*(started(n) for n in range(1, 6)))
            items = await feed.items(5)
        assert [i["id"] for i in items] == [1, 2, 3, 4, 5]
        assert [i["data"]["attempt"] for i in items] == [1, 2, 3, 4, 5]
        assert {i["kind"] for i in items} == {"publication.started"}
        assert items[0]["text"] == "Listing an item on eBay…"
        assert items[0]["urgent"] is False

    async def test_items_played_one_by_one_arrive_in_order(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed() as feed:
            await seller.connected()
            for n in range(1, 11):
                await seller.play(started(n))
            items = await feed.items(10)
        assert [i["data"]["attempt"] for i in items] == list(range(1, 11))
        assert [i["id"] for i in items] == list(range(1, 11))

    async def test_every_stream_of_the_tenant_gets_every_item(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed() as one, seller.feed() as two:
            await seller.connected(2)
            await seller.play(started(1), started(2))
            assert [i["id"] for i in await one.items(2)] == [1, 2]
            assert [i["id"] for i in await two.items(2)] == [1, 2]

    async def test_a_stream_opened_without_a_resume_id_starts_from_now(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(started(1), started(2))
        await seller.wait_items(2)
        async with seller.feed() as feed:
            await seller.connected()
            await seller.play(started(3))
            [item] = await feed.items(1)
        assert (item["id"], item["data"]["attempt"]) == (3, 3)


class TestResume:
    async def test_last_event_id_loses_nothing_and_repeats_nothing(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed() as feed:
            await seller.connected()
            await seller.play(started(1), started(2), started(3))
            first = await feed.items(3)
        await seller.play(started(4), started(5))  # while disconnected
        await seller.wait_items(5)
        async with seller.feed(headers={"Last-Event-ID": str(first[-1]["id"])}) as feed:
            await seller.connected()
            await seller.play(started(6))
            rest = await feed.items(3)
            with pytest.raises(TimeoutError):
                await feed.items(1, timeout=1.5)  # nothing more: no item twice
        assert [i["id"] for i in first + rest] == [1, 2, 3, 4, 5, 6]
        assert [i["data"]["attempt"] for i in rest] == [4, 5, 6]

    async def test_after_in_the_query_for_clients_that_cannot_set_headers(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(started(1), started(2), started(3))
        await seller.wait_items(3)
        async with seller.feed(after=1) as feed:
            assert [i["id"] for i in await feed.items(2)] == [2, 3]

    async def test_the_header_wins_over_the_query(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(started(1), started(2), started(3))
        await seller.wait_items(3)
        async with seller.feed(headers={"Last-Event-ID": "2"}, after=0) as feed:
            assert [i["id"] for i in await feed.items(1)] == [3]

    async def test_an_id_this_feed_never_gave_resumes_from_now_with_a_gap(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(started(1))
        await seller.wait_items(1)
        async with seller.feed(headers={"Last-Event-ID": "900"}) as feed:
            gap = await feed.next()
            assert gap.event == "gap"
            assert gap.json() == {"after": 900, "oldest": 1}
            await seller.connected()
            await seller.play(started(2))
            assert [i["id"] for i in await feed.items(1)] == [2]

    async def test_a_resume_id_that_is_not_a_number_is_refused(self, app: Any) -> None:
        seller = app.seller()
        response = await app.http.get("/feed", headers={**seller.headers, "Last-Event-ID": "abc"})
        assert response.status_code == 422
        assert response.json()["type"].endswith("/invalid-last-event-id")


class TestIsolation:
    async def test_another_tenants_stream_sees_nothing(self, app: Any) -> None:
        ana, bob = app.seller(), app.seller()
        async with ana.feed() as ana_feed, bob.feed(after=0) as bob_feed:
            await ana.connected()
            await bob.connected()
            await ana.play(started(1), started(2))
            assert len(await ana_feed.items(2)) == 2
            with pytest.raises(TimeoutError):
                await bob_feed.items(1, timeout=1.5)
        assert (await bob.history(after=0))["items"] == []

    async def test_the_tenant_is_the_tokens_whatever_the_request_says(self, app: Any) -> None:
        ana, bob = app.seller(), app.seller()
        await ana.play(started(1))
        await ana.wait_items(1)
        headers = {"X-Tenant-Id": str(ana.tenant_id)}
        async with bob.feed(headers=headers, after=0) as feed:
            with pytest.raises(TimeoutError):
                await feed.items(1, timeout=1.0)
        page = await app.client.get(
            "/feed/history", params={"after": 0, "tenant_id": str(ana.tenant_id)}, headers=bob.headers
        )
        assert page.json()["items"] == []

    async def test_without_a_seller_token_there_is_no_feed(self, app: Any) -> None:
        seller = app.seller()
        assert (await app.http.get("/feed")).status_code == 401
        plugin = app.keys.issue(tenant_id=seller.tenant_id, scope="plugin")
        refused = await app.http.get("/feed", headers={"Authorization": f"Bearer {plugin}"})
        assert refused.status_code == 401
        service = app.keys.issue(scope="service")
        refused = await app.http.get("/feed", headers={"Authorization": f"Bearer {service}"})
        assert refused.status_code == 403


class TestHeartbeat:
    async def test_an_idle_stream_gets_a_comment_every_heartbeat(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed() as feed:
            loop = asyncio.get_running_loop()
            began = loop.time()
            first = await feed.next(timeout=3)
            second = await feed.next(timeout=3)
            took = loop.time() - began
        assert (first.event, first.data, second.event) == ("comment", "keep-alive", "comment")
        assert 1.5 <= took <= 3.5  # heartbeat_s is 1 in these tests

    async def test_the_stream_says_how_long_to_wait_before_reconnecting(self, app: Any) -> None:
        seller = app.seller()
        async with app.http.stream("GET", "/feed", headers=seller.headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache, no-transform"
            assert response.headers["x-accel-buffering"] == "no"
            lines = response.aiter_lines()
            assert await anext(lines) == "retry: 3000"


class TestEnds:
    async def test_the_stream_ends_when_the_token_expires(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed(headers=seller.token_headers(ttl_s=2)) as feed:
            end = await feed.until("reconnect", timeout=6)
            assert end.json() == {"reason": "token-expired", "retry_ms": 3000, "last_id": 0}
            with pytest.raises(EOFError):
                await feed.next()

    async def test_the_stream_ends_within_a_heartbeat_of_a_revocation(self, app: Any) -> None:
        async def nothing_new(since: float) -> RevocationPage:
            return RevocationPage([], time.time())

        seller = app.seller()
        verifier = app.context.verifier
        verifier.revocations = RevocationList(nothing_new)
        try:
            async with seller.feed() as feed:
                await seller.connected()
                key = revocation_key("user", str(seller.user_id), seller.tenant_id)
                verifier.revocations.add(Revocation(key, time.time() + 1, time.time() + 900))
                end = await feed.until("reconnect", timeout=4)
                assert end.json()["reason"] == "revoked"
        finally:
            verifier.revocations = None

    async def test_a_draining_replica_tells_its_streams_to_reconnect(self, app: Any) -> None:
        hub = app.context.hub
        seller = app.seller()
        await seller.play(started(1))
        await seller.wait_items(1)
        async with seller.feed(after=0) as feed:
            await feed.items(1)
            await seller.connected()
            for conn in list(hub.connections()):
                if conn.tenant_id == seller.tenant_id:
                    conn.end(StreamEnd.DRAINING)
            end = await feed.until("reconnect")
            assert end.json() == {"reason": "server-draining", "retry_ms": 3000, "last_id": 1}
        await eventually(lambda: hub.count(seller.tenant_id) == 0)

    async def test_a_client_that_leaves_is_forgotten(self, app: Any) -> None:
        seller = app.seller()
        async with seller.feed():
            await seller.connected()
        await eventually(lambda: app.context.hub.count(seller.tenant_id) == 0)


def raw_feed(url: str, token: str, after: int) -> socket.socket:
    """A client that sends its request and then reads nothing, with a tiny receive window."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect((host, int(port)))
    request = (
        f"GET /feed?after={after} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


class TestSlowConsumer:
    async def test_a_client_that_stops_reading_is_disconnected_then_resumes_from_history(
        self, app: Any
    ) -> None:
        seller = app.seller()
        token = seller.headers["Authorization"].removeprefix("Bearer ")
        sock = raw_feed(app.url, token, after=0)
        try:
            await seller.connected()
            # Loopback sockets take ~2 MB before a write blocks: big items get there quickly.
            reason = "x" * 40_000
            count = 80
            events = [
                PublicationFailed(
                    publication_id=uuid.uuid4(),
                    product_id=uuid.uuid4(),
                    marketplace=Marketplace.ETSY,
                    reason=f"{n} {reason}",
                )
                for n in range(count)
            ]
            for start in range(0, count, 20):
                await seller.play(*events[start : start + 20])
            # The server never buffers 3 MB of items for it: the connection is dropped, not kept.
            await eventually(lambda: app.context.hub.count(seller.tenant_id) == 0, timeout=20)
        finally:
            sock.close()
        await seller.wait_items(count)
        async with seller.feed(headers={"Last-Event-ID": "0"}) as feed:
            items = await feed.items(count, timeout=15)
        assert [i["id"] for i in items] == list(range(1, count + 1))
