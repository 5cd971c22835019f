"""Account API (programs, policies), Inventory API (items, offers, locations), Fulfillment getOrders."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandbox_ebay.deps import CurrentSeller, WorldDep
from sandbox_ebay.errors import EbayError, error_item, not_found, user_error
from sandbox_ebay.policies import validate as validate_policy
from sandbox_ebay.state import CATEGORIES, CONDITIONS, POLICY_KINDS, SITES, Seller, World, digits, iso

router = APIRouter()
ACCOUNT = "/sell/account/v1"
INVENTORY = "/sell/inventory/v1"
FULFILLMENT = "/sell/fulfillment/v1"


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise EbayError(
            400, error_item(2004, "Invalid request", long_message="The request body is not valid JSON")
        ) from exc
    if not isinstance(body, dict):
        raise EbayError(
            400, error_item(2004, "Invalid request", long_message="The request body must be an object")
        )
    return body


def _content_language(request: Request) -> None:
    if not request.headers.get("content-language"):
        raise EbayError(
            400,
            error_item(
                25709,
                "Invalid value for header Content-Language.",
                long_message="Content-Language is required",
            ),
        )


# --- Account API -----------------------------------------------------------------------------------


@router.post(f"{ACCOUNT}/program/opt_in", tags=["account"])
async def opt_in(request: Request, seller: CurrentSeller) -> dict[str, Any]:
    program = (await _json(request)).get("programType")
    if program not in {"SELLING_POLICY_MANAGEMENT", "OUT_OF_STOCK_CONTROL", "PARTNER_MOTORS_DEALER"}:
        raise EbayError(
            400,
            error_item(
                20400,
                "Invalid request",
                domain="API_ACCOUNT",
                long_message="Invalid programType",
                input_refs=["$.programType"],
            ),
        )
    seller.programs.add(program)
    return {}


@router.get(f"{ACCOUNT}/program/get_opted_in_programs", tags=["account"])
async def opted_in(seller: CurrentSeller) -> dict[str, Any]:
    return {"programs": [{"programType": p} for p in sorted(seller.programs)]}


def _policy_kind(kind: str) -> str:
    if kind not in POLICY_KINDS:
        raise not_found(20404, "policy type", domain="API_ACCOUNT")
    return kind


def _marketplace(request: Request) -> str:
    marketplace = request.query_params.get("marketplace_id")
    if not marketplace:
        raise EbayError(
            400,
            error_item(
                20401, "Missing field marketplaceId.", domain="API_ACCOUNT", input_refs=["marketplace_id"]
            ),
        )
    return marketplace


@router.get(ACCOUNT + "/{kind}_policy", tags=["account"])
async def list_policies(kind: str, request: Request, seller: CurrentSeller) -> dict[str, Any]:
    kind = _policy_kind(kind)
    marketplace = _marketplace(request)
    found = [p for p in seller.policies[kind].values() if p["marketplaceId"] == marketplace]
    return {"total": len(found), f"{kind}Policies": found}


@router.get(ACCOUNT + "/{kind}_policy/get_by_policy_name", tags=["account"])
async def policy_by_name(kind: str, request: Request, seller: CurrentSeller) -> dict[str, Any]:
    kind = _policy_kind(kind)
    marketplace, name = _marketplace(request), request.query_params.get("name", "")
    for policy in seller.policies[kind].values():
        if policy["marketplaceId"] == marketplace and policy["name"] == name:
            return policy
    raise not_found(20404, "policy", domain="API_ACCOUNT")


def _check_policy(seller: Seller, kind: str, body: dict[str, Any], *, policy_id: str | None = None) -> None:
    """What eBay checks on a policy create or update: program, required fields, values, a unique name."""
    if "SELLING_POLICY_MANAGEMENT" not in seller.programs:
        raise EbayError(
            400,
            error_item(
                20403,
                "User is not eligible for Business Policy.",
                domain="API_ACCOUNT",
                long_message="Opt in to SELLING_POLICY_MANAGEMENT first.",
            ),
        )
    missing = [f for f in ("name", "marketplaceId") if not body.get(f)]
    if missing:
        raise EbayError(
            400,
            *(
                error_item(20401, f"Missing field {f}.", domain="API_ACCOUNT", input_refs=[f"$.{f}"])
                for f in missing
            ),
        )
    faults = validate_policy(kind, body)
    if faults:
        raise EbayError(400, *faults)
    if any(
        p["name"] == body["name"] and p["marketplaceId"] == body["marketplaceId"] and pid != policy_id
        for pid, p in seller.policies[kind].items()
    ):
        raise EbayError(
            400,
            error_item(
                20400,
                "Invalid request. The policy name already exists.",
                domain="API_ACCOUNT",
                input_refs=["$.name"],
            ),
        )


@router.post(ACCOUNT + "/{kind}_policy", tags=["account"], status_code=201)
async def create_policy(kind: str, request: Request, seller: CurrentSeller) -> dict[str, Any]:
    kind = _policy_kind(kind)
    body = await _json(request)
    _check_policy(seller, kind, body)
    policy_id = digits(12)
    policy = {**body, f"{kind}PolicyId": policy_id}
    seller.policies[kind][policy_id] = policy
    return policy


def _policy(seller: Seller, kind: str, policy_id: str) -> dict[str, Any]:
    policy = seller.policies[kind].get(policy_id)
    if policy is None:
        raise not_found(20404, f"{kind}PolicyId", domain="API_ACCOUNT")
    return policy


@router.get(ACCOUNT + "/{kind}_policy/{policy_id}", tags=["account"])
async def get_policy(kind: str, policy_id: str, seller: CurrentSeller) -> dict[str, Any]:
    return _policy(seller, _policy_kind(kind), policy_id)


@router.put(ACCOUNT + "/{kind}_policy/{policy_id}", tags=["account"])
async def update_policy(kind: str, policy_id: str, request: Request, seller: CurrentSeller) -> dict[str, Any]:
    """A full replace of the policy (eBay's PUT): its id and site stay."""
    kind = _policy_kind(kind)
    current = _policy(seller, kind, policy_id)
    body = await _json(request)
    if body.get("marketplaceId") and body["marketplaceId"] != current["marketplaceId"]:
        raise EbayError(
            400,
            error_item(
                20403,
                "Invalid marketplaceId. A policy's marketplace cannot change.",
                domain="API_ACCOUNT",
                input_refs=["$.marketplaceId"],
            ),
        )
    body = {**body, "marketplaceId": current["marketplaceId"]}
    _check_policy(seller, kind, body, policy_id=policy_id)
    policy = {**body, f"{kind}PolicyId": policy_id}
    seller.policies[kind][policy_id] = policy
    return policy


# --- Inventory: locations --------------------------------------------------------------------------


@router.post(INVENTORY + "/location/{key}", tags=["inventory"], status_code=204)
async def create_location(key: str, request: Request, seller: CurrentSeller) -> Response:
    body = await _json(request)
    if key in seller.locations:
        raise EbayError(
            409, error_item(25803, f"Location {key} already exists.", input_refs=["merchantLocationKey"])
        )
    address = (body.get("location") or {}).get("address") or {}
    if not address.get("country") or not (
        address.get("postalCode") or (address.get("city") and address.get("stateOrProvince"))
    ):
        raise EbayError(
            400,
            user_error(
                25802,
                "The address needs a country and either a postal code or a city and a state/province.",
                ref="$.location.address",
            ),
        )
    seller.locations[key] = {"merchantLocationKey": key, "merchantLocationStatus": "ENABLED", **body}
    return Response(status_code=204)


@router.get(INVENTORY + "/location/{key}", tags=["inventory"])
async def get_location(key: str, seller: CurrentSeller) -> dict[str, Any]:
    if key not in seller.locations:
        raise not_found(25804, "location")
    return seller.locations[key]


@router.get(INVENTORY + "/location", tags=["inventory"])
async def list_locations(seller: CurrentSeller) -> dict[str, Any]:
    return {"total": len(seller.locations), "locations": list(seller.locations.values())}


@router.delete(INVENTORY + "/location/{key}", tags=["inventory"], status_code=204)
async def delete_location(key: str, seller: CurrentSeller) -> Response:
    if seller.locations.pop(key, None) is None:
        raise not_found(25804, "location")
    return Response(status_code=204)


# --- Inventory: items ------------------------------------------------------------------------------


@router.put(INVENTORY + "/inventory_item/{sku}", tags=["inventory"], status_code=204)
async def put_item(sku: str, request: Request, seller: CurrentSeller) -> Response:
    _content_language(request)
    body = await _json(request)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,50}", sku):
        raise EbayError(400, user_error(25707, "This is an invalid value for a SKU.", ref="sku"))
    condition = body.get("condition")
    if condition is not None and condition not in CONDITIONS:
        raise EbayError(
            400, user_error(25021, f"Invalid item condition information: {condition}.", ref="$.condition")
        )
    seller.items[sku] = {**body, "sku": sku, "locale": request.headers.get("content-language")}
    return Response(status_code=204)


@router.get(INVENTORY + "/inventory_item/{sku}", tags=["inventory"])
async def get_item(sku: str, seller: CurrentSeller) -> dict[str, Any]:
    if sku not in seller.items:
        raise not_found(25710, "resource/entity")
    return seller.items[sku]


@router.get(INVENTORY + "/inventory_item", tags=["inventory"])
async def list_items(request: Request, seller: CurrentSeller) -> dict[str, Any]:
    limit, offset = int(request.query_params.get("limit", 25)), int(request.query_params.get("offset", 0))
    items = list(seller.items.values())
    return {
        "total": len(items),
        "size": len(items[offset : offset + limit]),
        "limit": limit,
        "inventoryItems": items[offset : offset + limit],
    }


@router.delete(INVENTORY + "/inventory_item/{sku}", tags=["inventory"], status_code=204)
async def delete_item(sku: str, world: WorldDep, seller: CurrentSeller) -> Response:
    if seller.items.pop(sku, None) is None:
        raise not_found(25710, "resource/entity")
    with world.lock:
        for offer_id, offer in list(world.offers.items()):
            if offer["sku"] == sku and world.offer_owner[offer_id] == seller.user_id:
                _end_listing(world, offer)
                del world.offers[offer_id]
    return Response(status_code=204)


# --- Inventory: offers -----------------------------------------------------------------------------


def _offer(world: World, seller: Seller, offer_id: str) -> dict[str, Any]:
    offer = world.offers.get(offer_id)
    if offer is None or world.offer_owner.get(offer_id) != seller.user_id:
        raise not_found(25713, "offer")
    return offer


@router.post(INVENTORY + "/offer", tags=["inventory"], status_code=201)
async def create_offer(request: Request, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    _content_language(request)
    body = await _json(request)
    missing = [f for f in ("sku", "marketplaceId", "format") if not body.get(f)]
    if missing:
        raise EbayError(400, *(user_error(25702, f"Missing field {f}.", ref=f"$.{f}") for f in missing))
    if body["sku"] not in seller.items:
        raise EbayError(
            400, user_error(25702, f"SKU {body['sku']} is not available in the system.", ref="$.sku")
        )
    with world.lock:
        for offer_id, offer in world.offers.items():
            if (
                world.offer_owner[offer_id] == seller.user_id
                and offer["sku"] == body["sku"]
                and offer["marketplaceId"] == body["marketplaceId"]
                and offer["format"] == body["format"]
            ):
                raise EbayError(
                    400,
                    error_item(
                        25002,
                        "A user error has occurred. Offer entity already exists.",
                        input_refs=["$.sku"],
                        parameters={"offerId": offer_id},
                    ),
                )
        offer_id = digits(10)
        world.offers[offer_id] = {**body, "offerId": offer_id, "status": "UNPUBLISHED"}
        world.offer_owner[offer_id] = seller.user_id
    return {"offerId": offer_id, "warnings": []}


@router.get(INVENTORY + "/offer", tags=["inventory"])
async def get_offers(request: Request, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    sku = request.query_params.get("sku")
    if not sku:
        raise EbayError(400, user_error(25702, "SKU is required.", ref="sku"))
    marketplace = request.query_params.get("marketplace_id")
    found = [
        o
        for oid, o in world.offers.items()
        if world.offer_owner[oid] == seller.user_id
        and o["sku"] == sku
        and (not marketplace or o["marketplaceId"] == marketplace)
    ]
    if not found:
        raise not_found(25713, "offer")
    return {"total": len(found), "size": len(found), "limit": 25, "offset": 0, "offers": found}


@router.get(INVENTORY + "/offer/{offer_id}", tags=["inventory"])
async def get_offer(offer_id: str, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    return _offer(world, seller, offer_id)


@router.put(INVENTORY + "/offer/{offer_id}", tags=["inventory"], status_code=204)
async def update_offer(offer_id: str, request: Request, world: WorldDep, seller: CurrentSeller) -> Response:
    _content_language(request)
    body = await _json(request)
    with world.lock:
        offer = _offer(world, seller, offer_id)
        keep: dict[str, Any] = {
            k: offer[k]
            for k in ("offerId", "sku", "marketplaceId", "format", "status", "listing")
            if k in offer
        }
        offer.clear()
        offer.update({**body, **keep})
    return Response(status_code=204)


@router.delete(INVENTORY + "/offer/{offer_id}", tags=["inventory"], status_code=204)
async def delete_offer(offer_id: str, world: WorldDep, seller: CurrentSeller) -> Response:
    with world.lock:
        offer = _offer(world, seller, offer_id)
        _end_listing(world, offer)
        del world.offers[offer_id]
    return Response(status_code=204)


def _publish_errors(world: World, seller: Seller, offer: dict[str, Any]) -> list[dict[str, Any]]:
    """What eBay checks at publish: policies, location, price, quantity, category, a complete item."""
    errors: list[dict[str, Any]] = []
    item = seller.items.get(offer["sku"], {})
    product = item.get("product") or {}
    marketplace = offer.get("marketplaceId")
    policies = offer.get("listingPolicies") or {}
    for kind, error_id in (("fulfillment", 25007), ("payment", 25008), ("return", 25009)):
        policy = seller.policies[kind].get(str(policies.get(f"{kind}PolicyId", "")))
        if policy is None or policy.get("marketplaceId") != marketplace:
            errors.append(
                user_error(
                    error_id,
                    f"Please add a valid {kind} policy to your listing.",
                    ref=f"$.listingPolicies.{kind}PolicyId",
                )
            )
    location = offer.get("merchantLocationKey")
    if not location or location not in seller.locations:
        errors.append(
            user_error(
                25002,
                "No <Item.Country> exists or <Item.Location> is invalid: the offer has no valid merchantLocationKey.",
                ref="$.merchantLocationKey",
            )
        )
    price = (offer.get("pricingSummary") or {}).get("price") or {}
    try:
        if float(price.get("value", "0")) <= 0 or not price.get("currency"):
            raise ValueError
    except (TypeError, ValueError):
        errors.append(
            user_error(
                25020,
                "Invalid price: a positive pricingSummary.price is required.",
                ref="$.pricingSummary.price",
            )
        )
    site = SITES.get(str(marketplace))
    if site is None:
        errors.append(
            user_error(25002, f"The marketplaceId {marketplace} is not supported.", ref="$.marketplaceId")
        )
    else:
        currency, languages = site
        if price.get("currency") and price.get("currency") != currency:
            errors.append(
                user_error(
                    25020,
                    f"Invalid price: {marketplace} sells in {currency}, not {price.get('currency')}.",
                    ref="$.pricingSummary.price.currency",
                )
            )
        # Content-Language on a PUT (fr-FR), ``locale`` in a bulk request (fr_FR).
        locale = str(item.get("locale") or "").replace("_", "-")
        if locale and locale not in languages:
            errors.append(
                user_error(
                    25709,
                    f"The item's Content-Language {locale} is not a language of {marketplace} "
                    f"({', '.join(sorted(languages))}).",
                    ref="Content-Language",
                )
            )
    quantity = offer.get(
        "availableQuantity",
        ((item.get("availability") or {}).get("shipToLocationAvailability") or {}).get("quantity", 0),
    )
    if not quantity or int(quantity) <= 0:
        errors.append(user_error(25020, "The quantity must be greater than 0.", ref="$.availableQuantity"))
    if str(offer.get("categoryId", "")) not in CATEGORIES:
        errors.append(
            user_error(25005, "The category ID is invalid or is not a leaf category.", ref="$.categoryId")
        )
    for field, ref in (("title", "$.product.title"), ("description", "$.product.description")):
        if not product.get(field) and not (field == "description" and offer.get("listingDescription")):
            errors.append(user_error(25002, f"The item {field} is missing.", ref=ref))
    if len(product.get("title") or "") > 80:
        errors.append(
            user_error(25002, "The title may not be longer than 80 characters.", ref="$.product.title")
        )
    images = product.get("imageUrls") or []
    if not images:
        errors.append(user_error(25014, "At least one picture is required.", ref="$.product.imageUrls"))
    elif any(not str(u).startswith(("https://", "http://")) for u in images):
        errors.append(user_error(25015, "A picture URL is invalid.", ref="$.product.imageUrls"))
    if item.get("condition") not in CONDITIONS:
        errors.append(user_error(25021, "Invalid item condition information.", ref="$.condition"))
    return errors


@router.post(INVENTORY + "/offer/{offer_id}/publish", tags=["inventory"])
async def publish_offer(offer_id: str, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    with world.lock:
        offer = _offer(world, seller, offer_id)
        errors = _publish_errors(world, seller, offer)
        if errors:
            raise EbayError(400, *errors)
        listing = world.listings.get(offer.get("listing", {}).get("listingId", ""))
        if listing is None or listing["status"] != "ACTIVE":
            listing_id = digits(12)
            listing = {
                "listingId": listing_id,
                "offerId": offer_id,
                "sku": offer["sku"],
                "userId": seller.user_id,
                "status": "ACTIVE",
                "sold": 0,
                "listedAt": iso(),
            }
            world.listings[listing_id] = listing
        offer["status"] = "PUBLISHED"
        offer["listing"] = {"listingId": listing["listingId"], "listingStatus": "ACTIVE"}
    return {"listingId": listing["listingId"], "warnings": []}


def _end_listing(world: World, offer: dict[str, Any]) -> str | None:
    listing = world.listings.get(offer.get("listing", {}).get("listingId", ""))
    offer["status"] = "UNPUBLISHED"
    if listing is None:
        return None
    listing["status"] = "ENDED"
    offer["listing"] = {"listingId": listing["listingId"], "listingStatus": "ENDED"}
    return str(listing["listingId"])


@router.post(INVENTORY + "/offer/{offer_id}/withdraw", tags=["inventory"])
async def withdraw_offer(offer_id: str, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    with world.lock:
        offer = _offer(world, seller, offer_id)
        if offer.get("status") != "PUBLISHED":
            raise EbayError(
                400,
                user_error(25016, "The offer is not published: there is no listing to end.", ref="offerId"),
            )
        listing_id = _end_listing(world, offer)
    return {"listingId": listing_id, "warnings": []}


# --- Fulfillment: getOrders ------------------------------------------------------------------------


def _parse_ts(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _order_filter(raw: str) -> tuple[str | None, float | None, float | None, set[str] | None]:
    field: str | None = None
    start = end = None
    statuses: set[str] | None = None
    for crit in re.findall(r"(\w+):([\[{][^\]}]*[\]}])", raw):
        name, value = crit
        if name in {"creationdate", "lastmodifieddate"}:
            if field == "creationdate":  # lastmodifieddate is ignored when creationdate is present
                continue
            a, _, b = value.strip("[]").partition("..")
            field, start, end = name, _parse_ts(a), _parse_ts(b)
        elif name == "orderfulfillmentstatus":
            statuses = set(value.strip("{}").split("|"))
    return field, start, end, statuses


@router.get(FULFILLMENT + "/order", tags=["fulfillment"])
async def get_orders(request: Request, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    q = request.query_params
    limit, offset = int(q.get("limit", 50)), int(q.get("offset", 0))
    if limit > 200 or limit < 1:
        raise EbayError(
            400,
            error_item(
                30800,
                "Invalid limit: it must be between 1 and 200.",
                domain="API_FULFILLMENT",
                input_refs=["limit"],
            ),
        )
    orders = [o for o in world.orders.values() if o["sellerId"] == seller.username]
    if q.get("orderIds"):
        wanted = set(q["orderIds"].split(","))
        orders = [o for o in orders if o["orderId"] in wanted]
    else:
        field, start, end, statuses = _order_filter(q.get("filter", ""))
        if field is None:
            field, start, end = "creationdate", time.time() - 90 * 86400, None
        key = "_created" if field == "creationdate" else "_modified"
        orders = [o for o in orders if (start is None or o[key] >= start) and (end is None or o[key] <= end)]
        if statuses:
            orders = [o for o in orders if o["orderFulfillmentStatus"] in statuses]
    orders.sort(key=lambda o: o["_created"])
    page = [{k: v for k, v in o.items() if not k.startswith("_")} for o in orders[offset : offset + limit]]
    body: dict[str, Any] = {
        "href": str(request.url),
        "limit": limit,
        "offset": offset,
        "total": len(orders),
        "orders": page,
    }
    if offset + limit < len(orders):
        body["next"] = str(request.url.include_query_params(offset=offset + limit))
    return body


@router.get(FULFILLMENT + "/order/{order_id}", tags=["fulfillment"])
async def get_order(order_id: str, world: WorldDep, seller: CurrentSeller) -> dict[str, Any]:
    order = world.orders.get(order_id)
    if order is None or order["sellerId"] != seller.username:
        raise not_found(32100, "order", domain="API_FULFILLMENT")
    return {k: v for k, v in order.items() if not k.startswith("_")}


def sell(world: World, listing_id: str, quantity: int, buyer: str) -> dict[str, Any]:
    """A buyer completes checkout on a listing: a PAID order, the listing's quantity goes down."""
    return checkout(world, [(listing_id, quantity)], buyer)


def checkout(world: World, lines: list[tuple[str, int]], buyer: str) -> dict[str, Any]:
    """A buyer pays for several listings of one seller at once: one PAID order with a line each.

    As on eBay, each listing's available quantity goes down by what sold; at zero it is out of stock.
    """
    with world.lock:
        taken: list[tuple[dict[str, Any], dict[str, Any], int]] = []
        for listing_id, quantity in lines:
            listing = world.listings.get(listing_id)
            if listing is None or listing["status"] != "ACTIVE":
                raise not_found(25713, "listing")
            offer = world.offers[listing["offerId"]]
            if quantity > int(offer.get("availableQuantity") or 1):
                raise EbayError(400, user_error(25020, "Not enough quantity available.", ref="quantity"))
            taken.append((listing, offer, quantity))
        sellers = {listing["userId"] for listing, _, _ in taken}
        if len(sellers) != 1:
            raise EbayError(400, user_error(25002, "An order holds listings of one seller.", ref="lines"))
        seller = world.sellers[sellers.pop()]
        now = time.time()
        order_id = f"{digits(2)}-{digits(5)}-{digits(5)}"
        items, total, currency = [], 0.0, "EUR"
        for listing, offer, quantity in taken:
            _take(seller, listing, offer, quantity)
            price = offer["pricingSummary"]["price"]
            currency = price["currency"]
            amount = float(price["value"]) * quantity
            total += amount
            title = (seller.items.get(listing["sku"], {}).get("product") or {}).get("title")
            items.append(
                {
                    "lineItemId": digits(11),
                    "legacyItemId": listing["listingId"],
                    "sku": listing["sku"],
                    "title": title,
                    "quantity": quantity,
                    "lineItemCost": {"value": f"{amount:.2f}", "currency": currency},
                    "total": {"value": f"{amount:.2f}", "currency": currency},
                    "lineItemFulfillmentStatus": "NOT_STARTED",
                }
            )
        order = {
            "orderId": order_id,
            "legacyOrderId": order_id,
            "creationDate": iso(now),
            "lastModifiedDate": iso(now),
            "orderFulfillmentStatus": "NOT_STARTED",
            "orderPaymentStatus": "PAID",
            "sellerId": seller.username,
            "buyer": {"username": buyer},
            "pricingSummary": {"total": {"value": f"{total:.2f}", "currency": currency}},
            "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
            "lineItems": items,
            "_created": now,
            "_modified": now,
        }
        world.orders[order_id] = order
        return {k: v for k, v in order.items() if not k.startswith("_")}


def _take(seller: Seller, listing: dict[str, Any], offer: dict[str, Any], quantity: int) -> None:
    left = int(offer.get("availableQuantity") or 1) - quantity
    listing["sold"] += quantity
    offer["availableQuantity"] = left
    item = seller.items.get(listing["sku"])
    if item is not None:
        item.setdefault("availability", {}).setdefault("shipToLocationAvailability", {})["quantity"] = left
    if left <= 0:
        listing["status"] = "ENDED"
        offer["listing"] = {"listingId": listing["listingId"], "listingStatus": "OUT_OF_STOCK"}


def cancel(world: World, order_id: str, reason: str) -> dict[str, Any]:
    """The order is cancelled (and refunded): live listings get their quantity back, as on eBay."""
    with world.lock:
        order = world.orders.get(order_id)
        if order is None:
            raise not_found(32100, "order", domain="API_FULFILLMENT")
        if order["cancelStatus"]["cancelState"] != "CANCELED":
            for line in order["lineItems"]:
                listing = world.listings.get(line["legacyItemId"])
                offer = world.offers.get(listing["offerId"]) if listing else None
                if listing is not None and offer is not None and listing["status"] == "ACTIVE":
                    offer["availableQuantity"] = int(offer.get("availableQuantity") or 0) + line["quantity"]
            now = time.time()
            order["cancelStatus"] = {
                "cancelState": "CANCELED",
                "cancelledDate": iso(now),
                "cancelRequests": [
                    {"cancelReason": reason, "cancelState": "COMPLETED", "cancelRequestedDate": iso(now)}
                ],
            }
            order["orderPaymentStatus"] = "FULLY_REFUNDED"
            order["lastModifiedDate"], order["_modified"] = iso(now), now
        return {k: v for k, v in order.items() if not k.startswith("_")}


def end_listing(world: World, listing_id: str) -> dict[str, Any]:
    """The seller (on eBay's site) or eBay ends a listing: its offer is no longer published."""
    with world.lock:
        listing = world.listings.get(listing_id)
        if listing is None:
            raise not_found(25713, "listing")
        offer = world.offers.get(listing["offerId"])
        listing["status"] = "ENDED"
        if offer is not None:
            offer["status"] = "UNPUBLISHED"
            offer["listing"] = {"listingId": listing_id, "listingStatus": "ENDED"}
        return world.listing_view(listing)
