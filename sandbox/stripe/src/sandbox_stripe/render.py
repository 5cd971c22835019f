"""Objects as the API shows them: private fields dropped, prices embedded where Stripe embeds them,
``expand[]`` and includable fields (a Checkout Session's ``line_items``, an invoice's ``payments``)."""

from __future__ import annotations

import copy
from typing import Any

from sandbox_stripe.errors import invalid
from sandbox_stripe.state import World, kind_of


def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy ``plan`` Stripe still shows beside a recurring price on subscription items."""
    recurring = price.get("recurring") or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": dict(price["metadata"]),
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def _public(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def render(world: World, obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``obj`` as the API returns it."""
    out: dict[str, Any] = _public(copy.deepcopy(obj))
    if out.get("object") == "subscription":
        for item in out["items"]["data"]:
            render_item(world, item)
    return out


def render_item(world: World, item: dict[str, Any]) -> dict[str, Any]:
    price = world.objects.get(str(item["price"]))
    if price is not None:
        item["price"] = render(world, price)
        item["plan"] = plan_of(price)
    return item


def list_object(url: str, data: list[dict[str, Any]], has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _includable(world: World, node: dict[str, Any], key: str) -> dict[str, Any] | None:
    kind = node.get("object")
    if kind == "checkout.session" and key == "line_items":
        stored = world.objects.get(str(node["id"]), {})
        items = [render(world, item) for item in stored.get("_line_items", [])]
        for item in items:
            price = world.objects.get(str(item["price"]))
            if price is not None:
                item["price"] = render(world, price)
        return list_object(f"/v1/checkout/sessions/{node['id']}/line_items", items)
    if kind == "invoice" and key == "payments":
        payments = [render(world, p) for p in world.all("invoice_payment") if p["invoice"] == node["id"]]
        return list_object(f"/v1/invoice_payments?invoice={node['id']}", payments)
    if kind == "customer" and key == "subscriptions":
        subs = [
            render(world, s)
            for s in world.all("subscription")
            if s["customer"] == node["id"] and s["status"] != "canceled"
        ]
        return list_object(f"/v1/customers/{node['id']}/subscriptions", subs)
    return None


def expand(world: World, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """Apply ``expand[]`` paths (``customer``, ``data.customer``, ``items.data.price.product``…)."""
    for path in paths:
        segments = path.split(".")
        if len([s for s in segments if s != "data"]) > 4:
            raise invalid(f"You cannot expand more than 4 levels of a property. Property: {path}", "expand")
        _apply(world, obj, segments, path)
    return obj


def _apply(world: World, node: Any, segments: list[str], path: str) -> None:
    if isinstance(node, list):
        for element in node:
            _apply(world, element, segments, path)
        return
    if not isinstance(node, dict):
        return
    key, rest = segments[0], segments[1:]
    if key not in node:
        included = _includable(world, node, key)
        if included is None:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        node[key] = included
    value = node[key]
    if isinstance(value, str):
        if kind_of(value) is None:
            raise invalid(f"This property cannot be expanded ({path}).", "expand")
        target = world.objects.get(value)
        if target is not None:
            value = node[key] = render(world, target)
    if rest:
        _apply(world, value, rest, path)
