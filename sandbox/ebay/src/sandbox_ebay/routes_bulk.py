"""Inventory API bulk calls: up to 25 items per call, each answered on its own (``responses[]`` with its
``statusCode`` and ``errors``); HTTP 200 when every item succeeded, 207 when some did not."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from sandbox_ebay.deps import CurrentSeller, WorldDep
from sandbox_ebay.errors import EbayError, error_item, user_error
from sandbox_ebay.routes_sell import INVENTORY, _content_language, _json, publish_offer
from sandbox_ebay.state import CONDITIONS, Seller, World, digits

router = APIRouter(tags=["inventory"])
MAX_REQUESTS = 25
SKU = re.compile(r"[A-Za-z0-9_-]{1,50}")


def _requests(body: dict[str, Any], what: str) -> list[dict[str, Any]]:
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests or not all(isinstance(r, dict) for r in requests):
        raise EbayError(400, user_error(25709, f"The requests of {what} are missing.", ref="requests"))
    if len(requests) > MAX_REQUESTS:
        raise EbayError(
            400,
            user_error(25729, f"At most {MAX_REQUESTS} requests may be sent in one call.", ref="requests"),
        )
    return list(requests)


def _answer(responses: list[dict[str, Any]]) -> JSONResponse:
    ok = all(200 <= int(r["statusCode"]) < 300 for r in responses)
    return JSONResponse({"responses": responses}, status_code=200 if ok else 207)


def _item_errors(sku: object, body: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(sku, str) or not SKU.fullmatch(sku):
        return [user_error(25707, "This is an invalid value for a SKU.", ref="sku")]
    condition = body.get("condition")
    if condition is not None and condition not in CONDITIONS:
        return [user_error(25021, f"Invalid item condition information: {condition}.", ref="$.condition")]
    return []


@router.post(INVENTORY + "/bulk_create_or_replace_inventory_item")
async def bulk_items(request: Request, seller: CurrentSeller) -> JSONResponse:
    """bulkCreateOrReplaceInventoryItem: each item a full replace, as the single PUT."""
    _content_language(request)
    responses = []
    for item in _requests(await _json(request), "bulkCreateOrReplaceInventoryItem"):
        sku, locale = item.get("sku"), item.get("locale") or request.headers.get("content-language")
        errors = _item_errors(sku, item)
        if not errors:
            body = {k: v for k, v in item.items() if k not in ("sku", "locale")}
            seller.items[str(sku)] = {**body, "sku": sku, "locale": locale}
        responses.append(
            {
                "statusCode": 400 if errors else 200,
                "sku": sku,
                "locale": locale,
                "errors": errors,
                "warnings": [],
            }
        )
    return _answer(responses)


def _create_offer(
    world: World, seller: Seller, body: dict[str, Any]
) -> tuple[str | None, list[dict[str, Any]]]:
    missing = [f for f in ("sku", "marketplaceId", "format") if not body.get(f)]
    if missing:
        return None, [user_error(25702, f"Missing field {f}.", ref=f"$.{f}") for f in missing]
    if body["sku"] not in seller.items:
        return None, [user_error(25702, f"SKU {body['sku']} is not available in the system.", ref="$.sku")]
    with world.lock:
        for offer_id, offer in world.offers.items():
            if world.offer_owner[offer_id] == seller.user_id and all(
                offer[f] == body[f] for f in ("sku", "marketplaceId", "format")
            ):
                return None, [
                    error_item(
                        25002,
                        "A user error has occurred. Offer entity already exists.",
                        input_refs=["$.sku"],
                        parameters={"offerId": offer_id},
                    )
                ]
        offer_id = digits(10)
        world.offers[offer_id] = {**body, "offerId": offer_id, "status": "UNPUBLISHED"}
        world.offer_owner[offer_id] = seller.user_id
    return offer_id, []


@router.post(INVENTORY + "/bulk_create_offer")
async def bulk_offers(request: Request, world: WorldDep, seller: CurrentSeller) -> JSONResponse:
    """bulkCreateOffer: an offer per request; an existing one for the SKU is 25002 naming its ``offerId``."""
    _content_language(request)
    responses = []
    for body in _requests(await _json(request), "bulkCreateOffer"):
        offer_id, errors = _create_offer(world, seller, body)
        answer: dict[str, Any] = {
            "statusCode": 400 if errors else 200,
            "sku": body.get("sku"),
            "marketplaceId": body.get("marketplaceId"),
            "format": body.get("format"),
            "errors": errors,
            "warnings": [],
        }
        if offer_id:
            answer["offerId"] = offer_id
        responses.append(answer)
    return _answer(responses)


@router.post(INVENTORY + "/bulk_publish_offer")
async def bulk_publish(request: Request, world: WorldDep, seller: CurrentSeller) -> JSONResponse:
    """bulkPublishOffer: each offer checked and published as the single publishOffer does."""
    responses = []
    for body in _requests(await _json(request), "bulkPublishOffer"):
        offer_id = str(body.get("offerId") or "")
        try:
            published = await publish_offer(offer_id, world, seller)
            responses.append(
                {
                    "statusCode": 200,
                    "offerId": offer_id,
                    "listingId": published["listingId"],
                    "errors": [],
                    "warnings": [],
                }
            )
        except EbayError as exc:
            responses.append(
                {"statusCode": exc.status, "offerId": offer_id, "errors": exc.items, "warnings": []}
            )
    return _answer(responses)
