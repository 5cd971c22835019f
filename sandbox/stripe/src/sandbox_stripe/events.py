"""Events: a snapshot of the object, ``previous_attributes`` on updates, one delivery per interested endpoint."""

from __future__ import annotations

import time
from typing import Any

from sandbox_stripe.render import render
from sandbox_stripe.state import Delivery, World, new_id

_MISSING = object()


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's ``previous_attributes``: the old value of each changed field, nested dicts by their changed keys."""
    previous: dict[str, Any] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            inner = diff(old, new)
            if inner:
                previous[key] = inner
        else:
            previous[key] = None if old is _MISSING else old
    return previous


def emit(
    world: World,
    event_type: str,
    obj: dict[str, Any],
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record an event about ``obj`` (as it is now) and queue its deliveries."""
    snapshot = render(world, obj)
    data: dict[str, Any] = {"object": snapshot}
    if previous is not None:
        data["previous_attributes"] = previous
    targets = [e for e in world.endpoints.values() if e.wants(event_type)]
    ctx = world.request_ctx or {}
    event: dict[str, Any] = {
        "id": new_id("evt_"),
        "object": "event",
        "api_version": world.settings.api_version,
        "created": world.now(),
        "data": data,
        "livemode": False,
        "pending_webhooks": len(targets),
        "request": {"id": ctx.get("id"), "idempotency_key": ctx.get("idempotency_key")},
        "type": event_type,
    }
    world.events[event["id"]] = event
    world.put(event)
    for endpoint in targets:
        queue_delivery(world, event["id"], endpoint.id)
    return event


def emit_update(
    world: World, event_type: str, obj: dict[str, Any], before: dict[str, Any]
) -> dict[str, Any] | None:
    """An ``*.updated`` event when something visible changed since ``before`` (a rendered copy)."""
    previous = diff(before, render(world, obj))
    if not previous:
        return None
    return emit(world, event_type, obj, previous)


def queue_delivery(world: World, event_id: str, endpoint_id: str, reason: str = "event") -> Delivery:
    delivery = Delivery(new_id("whdel_"), event_id, endpoint_id, time.time(), reason=reason)
    world.deliveries[delivery.id] = delivery
    world.outbox.append(delivery.id)
    return delivery


def payload(world: World, delivery: Delivery) -> dict[str, Any]:
    """The event as it is sent to the delivery's endpoint (in that endpoint's API version)."""
    event = dict(world.events[delivery.event_id])
    endpoint = world.endpoints.get(delivery.endpoint_id)
    if endpoint is not None and endpoint.obj.get("api_version"):
        event["api_version"] = endpoint.obj["api_version"]
    return event
