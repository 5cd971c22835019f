"""ORDER_CONFIRMATION pushes: one signed notification per line, delivered to the destination, retried."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sandbox_ebay.app import create_app
from sandbox_ebay.notifications import Notifier
from sandbox_ebay.state import World

DESTINATION = "https://seller-app.example/webhooks/orders"


class Receiver:
    """The seller app's endpoint: answers ``statuses`` in turn (then 204), keeps what arrived."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.got: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.got.append(request)
        return httpx.Response(self.statuses.pop(0) if self.statuses else 204)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def ebay(world: World, receiver: Receiver):
    notifier = Notifier(DESTINATION, transport=httpx.MockTransport(receiver))
    app = create_app(world=world, notifier=notifier)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as client:
        yield client, notifier


async def seeded(client: httpx.AsyncClient, world: World, count: int) -> list[dict]:
    seller = world.new_seller(marketplace="EBAY_FR")
    made = await client.post(
        f"/sandbox/sellers/{seller.user_id}/listings", json={"count": count, "quantity": 2}
    )
    assert made.status_code == 201, made.text
    return list(made.json())


def verify(world: World, request: httpx.Request) -> dict:
    signed = json.loads(base64.b64decode(request.headers["X-EBAY-SIGNATURE"]))
    assert (signed["alg"], signed["digest"], signed["kid"]) == ("ecdsa", "SHA1", world.signer.kid)
    pem = world.signer.public_key_one_line()
    key = serialization.load_pem_public_key(
        pem.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
        .replace("-----END PUBLIC KEY-----", "\n-----END PUBLIC KEY-----")
        .encode()
    )
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(signed["signature"]), request.content, ec.ECDSA(hashes.SHA1()))
    return dict(json.loads(request.content))


class TestOrderConfirmation:
    async def test_a_sale_pushes_one_signed_notification_per_line(self, ebay, world, receiver) -> None:
        client, notifier = ebay
        one, two = await seeded(client, world, 2)
        order = (
            await client.post(
                "/sandbox/orders",
                json={"lines": [{"listing_id": one["listingId"]}, {"listing_id": two["listingId"]}]},
            )
        ).json()
        await notifier.drain()
        assert [str(r.url) for r in receiver.got] == [DESTINATION, DESTINATION]
        messages = [verify(world, r) for r in receiver.got]
        assert {m["metadata"]["topic"] for m in messages} == {"ORDER_CONFIRMATION"}
        data = [m["notification"]["data"] for m in messages]
        assert {d["orderId"] for d in data} == {order["orderId"]}
        assert {d["lineItemId"] for d in data} == {line["lineItemId"] for line in order["lineItems"]}
        assert {d["sellerUserId"] for d in data} == {one["userId"]}
        assert len({m["notification"]["notificationId"] for m in messages}) == 2
        logged = (await client.get("/sandbox/notifications", params={"order_id": order["orderId"]})).json()
        assert [d["status"] for n in logged for d in n["deliveries"]] == [204, 204]

    async def test_a_failed_delivery_is_tried_again_and_a_refusal_is_not(self, ebay, world, receiver) -> None:
        client, notifier = ebay
        [listing] = await seeded(client, world, 1)
        receiver.statuses = [503, 204]
        await client.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})
        await notifier.drain()
        assert len(receiver.got) == 2
        assert receiver.got[0].content == receiver.got[1].content
        receiver.statuses = [412]
        await client.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})
        await notifier.drain()
        assert len(receiver.got) == 3

    async def test_no_destination_no_push_but_the_notification_is_logged(self, ebay, world, receiver) -> None:
        client, notifier = ebay
        assert (await client.put("/sandbox/notifications/destination", json={"url": None})).status_code == 200
        [listing] = await seeded(client, world, 1)
        sold = (await client.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})).json()
        await notifier.drain()
        assert receiver.got == []
        [logged] = (await client.get("/sandbox/notifications", params={"order_id": sold["orderId"]})).json()
        assert logged["deliveries"] == []
        assert json.loads(logged["body"])["notification"]["data"]["orderId"] == sold["orderId"]

    async def test_lost_notifications_are_logged_as_lost_and_never_delivered(
        self, ebay, world, receiver
    ) -> None:
        client, notifier = ebay
        put = await client.put("/sandbox/notifications/destination", json={"url": DESTINATION, "lose": True})
        assert put.json() == {"url": DESTINATION, "lose": True}
        [listing] = await seeded(client, world, 1)
        sold = (await client.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})).json()
        await notifier.drain()
        assert receiver.got == []
        [logged] = (await client.get("/sandbox/notifications", params={"order_id": sold["orderId"]})).json()
        assert [(d["status"], d["lost"]) for d in logged["deliveries"]] == [(None, True)]
        await client.put("/sandbox/notifications/destination", json={"url": DESTINATION})
        await client.post(f"/sandbox/listings/{listing['listingId']}/sell", json={})
        await notifier.drain()
        assert len(receiver.got) == 1
