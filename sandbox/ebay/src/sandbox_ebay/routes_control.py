"""The control API (``/sandbox/...``): what tests and local runs use to make eBay do things."""

from __future__ import annotations

import json
import time
import uuid
from html import escape
from typing import Any

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse, Response

from sandbox_ebay.deps import SettingsDep, WorldDep
from sandbox_ebay.errors import not_found
from sandbox_ebay.images import image_png
from sandbox_ebay.routes_notifications import NotifierDep
from sandbox_ebay.routes_sell import cancel, checkout, end_listing, sell
from sandbox_ebay.state import Fault, digits, iso

router = APIRouter(prefix="/sandbox", tags=["control"])


class SellIn(BaseModel):
    quantity: int = Field(default=1, ge=1)
    buyer: str = "sbx_buyer"


class OrderLineIn(BaseModel):
    listing_id: str
    quantity: int = Field(default=1, ge=1)


class OrderIn(BaseModel):
    lines: list[OrderLineIn] = Field(min_length=1, max_length=50)
    buyer: str = "sbx_buyer"


class CancelIn(BaseModel):
    reason: str = "BUYER_ASKED_CANCEL"


class EndIn(BaseModel):
    by: str = Field(default="seller", description="seller (on eBay's site) or ebay")


class SeedIn(BaseModel):
    count: int = Field(default=1, ge=1, le=500)
    title: str = "Sandbox listing"
    price: str = "25.00"
    currency: str = "EUR"
    quantity: int = Field(default=1, ge=1)
    photos: int = Field(default=2, ge=0, le=24)
    marketplace_id: str = "EBAY_FR"
    category_id: str = "11483"
    condition: str = "PRE_OWNED_EXCELLENT"
    aspects: dict[str, list[str]] = Field(default_factory=lambda: {"Brand": ["Levi's"]})


class UserIn(BaseModel):
    user_id: str | None = None


class FaultIn(BaseModel):
    status: int = Field(ge=400, le=599)
    count: int | None = Field(default=None, ge=1, description="answer this many requests so")
    seconds: float | None = Field(default=None, gt=0, description="or for this long")
    path_prefix: str = "/"
    retry_after: int | None = None
    after_processing: bool = Field(default=False, description="do the work, then answer the error")


class LatencyIn(BaseModel):
    ms: int = Field(ge=0, le=60_000)


class DeletionIn(BaseModel):
    user_id: str
    deliver_to: str | None = None
    tamper: bool = False


@router.get("/listings")
async def listings(
    world: WorldDep, sku: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Every listing, joined with its offer and item (filter by SKU or status)."""
    with world.lock:
        found = [world.listing_view(v) for v in world.listings.values()]
    return [
        v for v in found if (sku is None or v["sku"] == sku) and (status is None or v["status"] == status)
    ]


@router.get("/offers")
async def offers(world: WorldDep, sku: str | None = None) -> list[dict[str, Any]]:
    with world.lock:
        return [o for o in world.offers.values() if sku is None or o["sku"] == sku]


@router.post("/listings/{listing_id}/sell")
async def sell_listing(
    listing_id: str, body: SellIn, world: WorldDep, notifier: NotifierDep
) -> dict[str, Any]:
    """A buyer pays for the listing: a PAID order appears in getOrders (and ORDER_CONFIRMATION is pushed)."""
    order = sell(world, listing_id, body.quantity, body.buyer)
    notifier.push(notifier.order_confirmations(world, order))
    return order


@router.post("/orders")
async def create_order(body: OrderIn, world: WorldDep, notifier: NotifierDep) -> dict[str, Any]:
    """A buyer pays for several listings of one seller at once: one PAID order, a line per listing."""
    order = checkout(world, [(line.listing_id, line.quantity) for line in body.lines], body.buyer)
    notifier.push(notifier.order_confirmations(world, order))
    return order


@router.post("/orders/{order_id}/cancel")
async def cancel_order(order_id: str, body: CancelIn, world: WorldDep) -> dict[str, Any]:
    """The order is cancelled and refunded (``cancelState: CANCELED``, ``FULLY_REFUNDED``)."""
    return cancel(world, order_id, body.reason)


@router.post("/listings/{listing_id}/end")
async def end(listing_id: str, body: EndIn, world: WorldDep) -> dict[str, Any]:
    """The listing is ended outside the API (by the seller on eBay's site, or by eBay)."""
    view = end_listing(world, listing_id)
    view["endedBy"] = body.by
    return view


@router.post("/sellers/{user_id}/listings", status_code=201)
async def seed_listings(
    user_id: str, body: SeedIn, world: WorldDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """Live listings the seller made on eBay without Vitrine (to import), photos served by this sandbox."""
    seller = world.sellers.get(user_id)
    if seller is None:
        raise not_found(195003, "user", domain="API_INVENTORY")
    made = []
    with world.lock:
        for n in range(body.count):
            sku, offer_id, listing_id = f"OWN-{digits(8)}", digits(10), digits(12)
            photos = [f"{settings.public_url}/images/g/{sku}-{p}/s-l1600.png" for p in range(body.photos)]
            seller.items[sku] = {
                "sku": sku,
                "availability": {"shipToLocationAvailability": {"quantity": body.quantity}},
                "condition": body.condition,
                "product": {
                    "title": f"{body.title} {n + 1}",
                    "description": f"{body.title} {n + 1}, listed on eBay.",
                    "aspects": body.aspects,
                    "imageUrls": photos,
                },
            }
            world.offers[offer_id] = {
                "offerId": offer_id,
                "sku": sku,
                "marketplaceId": body.marketplace_id,
                "format": "FIXED_PRICE",
                "availableQuantity": body.quantity,
                "categoryId": body.category_id,
                "pricingSummary": {"price": {"value": body.price, "currency": body.currency}},
                "status": "PUBLISHED",
                "listing": {"listingId": listing_id, "listingStatus": "ACTIVE"},
            }
            world.offer_owner[offer_id] = seller.user_id
            world.listings[listing_id] = {
                "listingId": listing_id,
                "offerId": offer_id,
                "sku": sku,
                "userId": seller.user_id,
                "status": "ACTIVE",
                "sold": 0,
                "listedAt": iso(),
            }
            made.append(world.listing_view(world.listings[listing_id]))
    return made


@router.get("/calls")
async def calls(world: WorldDep, path_contains: str = "") -> list[dict[str, Any]]:
    """Every eBay call received, in order, with when it arrived (``at``, Unix seconds)."""
    with world.lock:
        return [c for c in world.calls if path_contains in c["path"]]


@router.get("/users")
async def users(world: WorldDep) -> list[dict[str, Any]]:
    with world.lock:
        return [
            {"userId": s.user_id, "username": s.username, "marketplace": s.marketplace}
            for s in world.sellers.values()
        ]


@router.post("/tokens/expire")
async def expire_tokens(body: UserIn, world: WorldDep) -> dict[str, int]:
    """Expire access tokens (of one user, or all): the next call gets 401 and must refresh."""
    with world.lock:
        hit = [t for t in world.access.values() if body.user_id is None or t.user_id == body.user_id]
        for token in hit:
            token.expires_at = time.time() - 1
    return {"expired": len(hit)}


@router.post("/tokens/revoke")
async def revoke_tokens(body: UserIn, world: WorldDep) -> dict[str, int]:
    """Revoke access and refresh tokens: the seller must connect again."""
    with world.lock:
        count = 0
        for token in world.access.values():
            if body.user_id is None or token.user_id == body.user_id:
                token.expires_at, count = 0, count + 1
        for refresh in world.refresh.values():
            if body.user_id is None or refresh.user_id == body.user_id:
                refresh.revoked, count = True, count + 1
    return {"revoked": count}


@router.post("/faults", status_code=201)
async def add_fault(body: FaultIn, world: WorldDep) -> dict[str, Any]:
    """Answer ``status`` (429, 500…) to matching eBay calls, ``count`` times or for ``seconds``."""
    fault = Fault(
        body.status,
        remaining=body.count,
        until=time.monotonic() + body.seconds if body.seconds else None,
        path_prefix=body.path_prefix,
        retry_after=body.retry_after,
        after_processing=body.after_processing,
    )
    with world.lock:
        world.faults.append(fault)
    return body.model_dump()


@router.delete("/faults", status_code=204)
async def clear_faults(world: WorldDep) -> Response:
    with world.lock:
        world.faults.clear()
    return Response(status_code=204)


@router.post("/latency")
async def latency(body: LatencyIn, world: WorldDep) -> dict[str, int]:
    world.latency_ms = body.ms
    return {"ms": body.ms}


@router.get("/requests")
async def requests(world: WorldDep) -> dict[str, int]:
    """How many eBay calls each ``METHOD path`` received (control calls excluded)."""
    return dict(world.requests)


@router.post("/reset", status_code=204)
async def reset(world: WorldDep, notifier: NotifierDep) -> Response:
    world.reset()
    notifier.reset()
    return Response(status_code=204)


@router.post("/notifications/account-deletion")
async def account_deletion(body: DeletionIn, world: WorldDep) -> dict[str, Any]:
    """A MARKETPLACE_ACCOUNT_DELETION notification, signed as eBay signs it; delivered when ``deliver_to``."""
    seller = world.sellers.get(body.user_id)
    if seller is None:
        raise not_found(195003, "user", domain="API_NOTIFICATION")
    now = iso()
    message = {
        "metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION", "schemaVersion": "1.0", "deprecated": False},
        "notification": {
            "notificationId": str(uuid.uuid4()),
            "eventDate": now,
            "publishDate": now,
            "publishAttemptCount": 1,
            "data": {"username": seller.username, "userId": seller.user_id, "eiasToken": uuid.uuid4().hex},
        },
    }
    raw = json.dumps(message, separators=(",", ":")).encode()
    signature = world.signer.header(raw)
    if body.tamper:  # signed, then changed on the way
        raw = raw.replace(seller.user_id.encode(), b"someone-else")
    headers = {"X-EBAY-SIGNATURE": signature, "Content-Type": "application/json"}
    out: dict[str, Any] = {"body": raw.decode(), "headers": headers}
    if body.deliver_to:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(body.deliver_to, content=raw, headers=headers)
        out["delivery_status"] = response.status_code
    return out


page_router = APIRouter(tags=["pages"])


@page_router.get("/images/g/{key}/s-l1600.png", response_class=Response)
async def image(key: str) -> Response:
    """A listing photo as eBay's image host serves it (a PNG drawn from the key)."""
    return Response(image_png(key), media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@page_router.get("/itm/{listing_id}", response_class=HTMLResponse)
async def item_page(listing_id: str, world: WorldDep) -> HTMLResponse:
    """The public page of a listing."""
    listing = world.listings.get(listing_id)
    if listing is None:
        return HTMLResponse("<h1>This listing does not exist</h1>", status_code=404)
    view = world.listing_view(listing)
    images = "".join(f'<img src="{escape(u)}" width="200">' for u in view["imageUrls"])
    return HTMLResponse(
        f"<h1>{escape(view['title'] or '')}</h1><p>{escape(str(view['price']))} {escape(str(view['currency']))}"
        f" · {escape(view['status'])}</p>{images}<div>{escape(view['description'] or '')}</div>"
    )
