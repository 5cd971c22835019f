"""The confirmed publish's message header: what aio-pika's Message would have sent, built without it."""

from __future__ import annotations

from typing import Any

import aio_pika
import pytest
from vitrine_kit.events.publish import publish_confirmed


class _Underlay:
    """Records what ``publish_confirmed`` hands to aiormq's channel."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def basic_publish(self, body: bytes, **kwargs: Any) -> None:
        self.calls.append({"body": body, **kwargs})


@pytest.mark.parametrize(
    "headers", [None, {"x-attempt": 1, "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}]
)
async def test_properties_are_aio_pikas(headers: dict[str, str | int] | None) -> None:
    underlay = _Underlay()
    await publish_confirmed(
        underlay,  # type: ignore[arg-type]
        exchange="x",
        routing_key="listing.created",
        body=b"{}",
        message_id="m-1",
        type_="listing.created",
        timeout=5,
        mandatory=True,
        headers=headers,
    )
    [call] = underlay.calls
    expected = aio_pika.Message(
        b"",
        message_id="m-1",
        type="listing.created",
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=dict(headers) if headers else None,
    ).properties
    sent = call["properties"]
    assert {k: getattr(sent, k, None) for k in sent.__slots__} == {
        k: getattr(expected, k, None) for k in expected.__slots__
    }
    assert (call["exchange"], call["routing_key"], call["mandatory"], call["wait"]) == (
        "x",
        "listing.created",
        True,
        False,
    )
