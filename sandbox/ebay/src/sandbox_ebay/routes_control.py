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

from sandbox_ebay.deps import WorldDep
from sandbox_ebay.errors import not_found
from sandbox_ebay.routes_sell import sell
from sandbox_ebay.state import Fault, iso

router = APIRouter(prefix="/sandbox", tags=["control"])


class SellIn(BaseModel):
    quantity: int = Field(default=1, ge=1)
    buyer: str = "sbx_buyer"


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
async def sell_listing(listing_id: str, body: SellIn, world: WorldDep) -> dict[str, Any]:
    """A buyer pays for the listing: a PAID order appears in getOrders."""
    return sell(world, listing_id, body.quantity, body.buyer)


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
async def reset(world: WorldDep) -> Response:
    world.reset()
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
