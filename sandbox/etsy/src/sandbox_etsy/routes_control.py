"""The control API (``/sandbox/...``), what tests and local runs use to make Etsy do things; item pages."""

from __future__ import annotations

import time
from html import escape
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse, Response

from sandbox_etsy.deps import SettingsDep, WorldDep
from sandbox_etsy.errors import bad_request, not_found
from sandbox_etsy.routes_receipts import receipt_view, sell, ship
from sandbox_etsy.state import Fault, RateLimiter, Seller, World, money, money_value, now
from sandbox_etsy.views import listing_view, quantity_of

router = APIRouter(prefix="/sandbox", tags=["control"])


class SellIn(BaseModel):
    quantity: int = Field(default=1, ge=1)
    buyer: str = "sbx_buyer"
    sku: str | None = None


class LineIn(BaseModel):
    listing_id: int
    quantity: int = Field(default=1, ge=1)
    sku: str | None = None


class ReceiptIn(BaseModel):
    lines: list[LineIn] = Field(min_length=1)
    buyer: str = "sbx_buyer"
    created_timestamp: int | None = Field(default=None, description="backdate the sale (epoch seconds)")


class CancelIn(BaseModel):
    restock: bool = False


class RefundIn(BaseModel):
    amount: float | None = Field(default=None, gt=0, description="default: the grand total")
    reason: str = "Refunded by the seller"


class ShipIn(BaseModel):
    tracking_code: str | None = None
    carrier_name: str | None = None
    delivered: bool = False


class UserIn(BaseModel):
    user_id: int | None = None


class FaultIn(BaseModel):
    status: int = Field(ge=400, le=599)
    count: int | None = Field(default=None, ge=1, description="answer this many requests so")
    seconds: float | None = Field(default=None, gt=0, description="or for this long")
    path_prefix: str = "/"
    retry_after: int | None = None
    after_processing: bool = Field(default=False, description="do the work, then answer the error")


class LatencyIn(BaseModel):
    ms: int = Field(ge=0, le=60_000)


class RateLimitsIn(BaseModel):
    per_second: int = Field(ge=1)
    per_day: int = Field(ge=1)


def _seller(world: World, name: str) -> Seller:
    seller = world.seller_named(name)
    if seller is None:
        raise not_found(f"No seller {name}.")
    return seller


def _full(world: World, listing: dict[str, Any], public_url: str) -> dict[str, Any]:
    """A listing with everything: images (with their files' types), inventory, deleted flag."""
    view = listing_view(world, listing, public_url, includes=["Images", "Inventory"], owner=True)
    view["deleted"] = listing["_deleted"]
    return view


@router.get("/users")
async def users(world: WorldDep) -> list[dict[str, Any]]:
    return [
        {"user_id": s.user_id, "shop_id": s.shop_id, "login_name": s.login_name, "shop_name": s.shop_name}
        for s in world.sellers.values()
    ]


@router.get("/listings")
async def listings(
    world: WorldDep, settings: SettingsDep, user: str | None = None, state: str | None = None
) -> list[dict[str, Any]]:
    """Every listing (deleted ones too), with images and inventory; ``user`` is a login name or an id."""
    owner = _seller(world, user).user_id if user else None
    return [
        _full(world, v, settings.public_url)
        for v in world.listings.values()
        if (owner is None or v["user_id"] == owner) and (state is None or v["state"] == state)
    ]


@router.get("/listings/{listing_id}")
async def listing(listing_id: int, world: WorldDep, settings: SettingsDep) -> dict[str, Any]:
    found = world.listings.get(listing_id)
    if found is None:
        raise not_found(f"Listing {listing_id} was not found.")
    return _full(world, found, settings.public_url)


@router.post("/listings/{listing_id}/sell")
async def sell_listing(listing_id: int, body: SellIn, world: WorldDep) -> dict[str, Any]:
    """A buyer pays for the listing: a receipt with one transaction appears in getShopReceipts."""
    return receipt_view(sell(world, [(listing_id, body.quantity, body.sku)], body.buyer))


@router.post("/listings/{listing_id}/expire")
async def expire_listing(listing_id: int, world: WorldDep, settings: SettingsDep) -> dict[str, Any]:
    """The listing's four months are over: ``expired``."""
    found = world.listings.get(listing_id)
    if found is None or found["_deleted"]:
        raise not_found(f"Listing {listing_id} was not found.")
    at = now()
    found["state"], found["state_timestamp"], found["ending_timestamp"] = "expired", at, at
    found["last_modified_timestamp"] = found["updated_timestamp"] = at
    return _full(world, found, settings.public_url)


@router.post("/receipts")
async def create_receipt(body: ReceiptIn, world: WorldDep) -> dict[str, Any]:
    """A buyer checks out several listings of one shop at once: one receipt, one transaction per line."""
    lines = [(line.listing_id, line.quantity, line.sku) for line in body.lines]
    return receipt_view(sell(world, lines, body.buyer, body.created_timestamp))


def _receipt(world: World, receipt_id: int) -> dict[str, Any]:
    found = world.receipts.get(receipt_id)
    if found is None:
        raise not_found(f"Receipt {receipt_id} was not found.")
    return found


@router.post("/receipts/{receipt_id}/cancel")
async def cancel_receipt(receipt_id: int, body: CancelIn, world: WorldDep) -> dict[str, Any]:
    """The order is canceled: ``status`` ``canceled``, ``updated_timestamp`` now (seen by min_last_modified)."""
    receipt = _receipt(world, receipt_id)
    if receipt["status"] == "canceled":
        raise bad_request(f"Receipt {receipt_id} is already canceled.")
    if body.restock:
        for transaction in receipt["transactions"]:
            found = world.listings.get(transaction["listing_id"])
            if found is None:
                continue
            for product in found["_inventory"]["products"]:
                if product["product_id"] == transaction["product_id"]:
                    product["offerings"][0]["quantity"] += transaction["quantity"]
            if found["state"] == "sold_out" and quantity_of(found) > 0:
                found["state"] = "active"
    at = now()
    receipt["status"] = "canceled"
    receipt["update_timestamp"] = receipt["updated_timestamp"] = at
    return receipt_view(receipt)


@router.post("/receipts/{receipt_id}/refund")
async def refund_receipt(receipt_id: int, body: RefundIn, world: WorldDep) -> dict[str, Any]:
    """A refund: ``fully refunded`` (or ``partially refunded``), a ``refunds`` entry, updated now."""
    receipt = _receipt(world, receipt_id)
    total = money_value(receipt["grandtotal"])
    refunded = sum(money_value(r["amount"]) for r in receipt["refunds"])
    amount = body.amount if body.amount is not None else round(total - refunded, 2)
    if amount <= 0 or refunded + amount > total + 1e-9:
        raise bad_request("The refund exceeds what was paid.")
    at = now()
    currency = receipt["grandtotal"]["currency_code"]
    receipt["refunds"].append(
        {
            "amount": money(amount, currency),
            "created_timestamp": at,
            "reason": body.reason,
            "note_from_issuer": None,
            "status": "complete",
        }
    )
    full = refunded + amount >= total - 1e-9
    receipt["status"] = "fully refunded" if full else "partially refunded"
    receipt["update_timestamp"] = receipt["updated_timestamp"] = at
    return receipt_view(receipt)


@router.post("/receipts/{receipt_id}/ship")
async def ship_receipt(receipt_id: int, body: ShipIn, world: WorldDep) -> dict[str, Any]:
    receipt = _receipt(world, receipt_id)
    ship(world, receipt, body.tracking_code, body.carrier_name)
    receipt["_delivered"] = body.delivered
    return receipt_view(receipt)


@router.get("/receipts")
async def receipts(world: WorldDep, user: str | None = None) -> list[dict[str, Any]]:
    shop = _seller(world, user).shop_id if user else None
    return [receipt_view(r) for r in world.receipts.values() if shop is None or r["_shop_id"] == shop]


@router.post("/tokens/expire")
async def expire_tokens(body: UserIn, world: WorldDep) -> dict[str, int]:
    """Expire access tokens (of one user, or all): the next call gets 401 ``invalid_token`` and must refresh."""
    hit = [t for t in world.access.values() if body.user_id is None or t.user_id == body.user_id]
    for token in hit:
        token.expires_at = time.time() - 1
    return {"expired": len(hit)}


@router.post("/tokens/revoke")
async def revoke_tokens(body: UserIn, world: WorldDep) -> dict[str, int]:
    """Revoke access and refresh tokens (the seller removed the app): refresh answers ``invalid_grant``."""
    count = 0
    for token in world.access.values():
        if body.user_id is None or token.user_id == body.user_id:
            token.revoked, count = True, count + 1
    for refresh in world.refresh.values():
        if body.user_id is None or refresh.user_id == body.user_id:
            refresh.revoked, count = True, count + 1
    return {"revoked": count}


def _shop(world: World, shop_id: int) -> Seller:
    shop = world.shop(shop_id)
    if shop is None:
        raise not_found(f"Shop {shop_id} was not found.")
    return shop


@router.delete("/shops/{shop_id}/shipping-profiles", status_code=204)
async def drop_shipping_profiles(shop_id: int, world: WorldDep) -> Response:
    """The shop has no shipping profile any more (listings pointing at one can no longer be activated)."""
    _shop(world, shop_id).shipping_profiles.clear()
    return Response(status_code=204)


@router.delete("/shops/{shop_id}/return-policies", status_code=204)
async def drop_return_policies(shop_id: int, world: WorldDep) -> Response:
    _shop(world, shop_id).return_policies.clear()
    return Response(status_code=204)


@router.delete("/shops/{shop_id}/readiness-state-definitions", status_code=204)
async def drop_readiness_definitions(shop_id: int, world: WorldDep) -> Response:
    _shop(world, shop_id).readiness.clear()
    return Response(status_code=204)


@router.post("/faults", status_code=201)
async def add_fault(body: FaultIn, world: WorldDep) -> dict[str, Any]:
    """Answer ``status`` (429, 500, 503...) to matching Etsy calls, ``count`` times or for ``seconds``."""
    world.faults.append(
        Fault(
            body.status,
            remaining=body.count,
            until=time.monotonic() + body.seconds if body.seconds else None,
            path_prefix=body.path_prefix,
            retry_after=body.retry_after,
            after_processing=body.after_processing,
        )
    )
    return body.model_dump()


@router.delete("/faults", status_code=204)
async def clear_faults(world: WorldDep) -> Response:
    world.faults.clear()
    return Response(status_code=204)


@router.post("/latency")
async def latency(body: LatencyIn, world: WorldDep) -> dict[str, int]:
    world.latency_ms = body.ms
    return {"ms": body.ms}


@router.post("/rate-limits")
async def rate_limits(body: RateLimitsIn, world: WorldDep) -> dict[str, int]:
    """The app's limits from now on (counters start again from zero)."""
    world.limiter = RateLimiter(body.per_second, body.per_day)
    return {"per_second": body.per_second, "per_day": body.per_day}


@router.get("/requests")
async def requests(world: WorldDep) -> list[dict[str, Any]]:
    """Every Etsy call received, in order: method, path, query, api_key (ok, missing, no_secret, invalid,
    or null where no key is needed), user_id of the bearer token if any, status."""
    return list(world.requests)


@router.post("/reset", status_code=204)
async def reset(world: WorldDep) -> Response:
    world.reset()
    return Response(status_code=204)


page_router = APIRouter(tags=["pages"], include_in_schema=False)


@page_router.get("/listing/{listing_id}", response_class=HTMLResponse)
@page_router.get("/listing/{listing_id}/{slug}", response_class=HTMLResponse)
async def item_page(listing_id: int, world: WorldDep, settings: SettingsDep, slug: str = "") -> HTMLResponse:
    """The public page of a listing."""
    found = world.listings.get(listing_id)
    if found is None or found["_deleted"]:
        return HTMLResponse("<h1>Sorry, this item is unavailable.</h1>", status_code=404)
    view = listing_view(world, found, settings.public_url, includes=["Images"])
    price = view["price"]
    images = "".join(f'<img src="{escape(i["url_570xN"])}" width="285">' for i in view["images"])
    tags = ", ".join(escape(t) for t in view["tags"])
    return HTMLResponse(
        f"<!doctype html><title>{escape(view['title'])} - Etsy</title>"
        f"<h1>{escape(view['title'])}</h1>"
        f"<p>{money_value(price):.2f} {escape(price['currency_code'])} · {escape(view['state'])}"
        f" · {view['quantity']} available</p>{images}<div>{escape(view['description'] or '')}</div>"
        f"<p>{tags}</p>"
    )


@page_router.get("/shop/{shop_name}", response_class=HTMLResponse)
async def shop_page(shop_name: str, world: WorldDep) -> HTMLResponse:
    """The public page of a shop: its active listings."""
    seller = next((s for s in world.sellers.values() if s.shop_name == shop_name), None)
    if seller is None:
        return HTMLResponse("<h1>Sorry, this shop is unavailable.</h1>", status_code=404)
    items = "".join(
        f'<li><a href="/listing/{v["listing_id"]}">{escape(v["title"])}</a></li>'
        for v in world.listings.values()
        if v["user_id"] == seller.user_id and v["state"] == "active" and not v["_deleted"]
    )
    return HTMLResponse(
        f"<!doctype html><title>{escape(shop_name)} - Etsy</title><h1>{escape(shop_name)}</h1><ul>{items}</ul>"
    )


@page_router.get("/images/{image_id}/{name}")
async def image_file(image_id: int, world: WorldDep, name: str) -> Response:
    """The image files behind ``url_75x75`` ... ``url_fullxfull`` (the original, at every size)."""
    found = world.image_files.get(image_id)
    if found is None:
        return Response(status_code=404)
    content_type, data = found
    return Response(data, media_type=content_type)
