"""Shop receipts (getShopReceipts, getShopReceipt, createReceiptShipment) and the sales that make them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox_etsy.deps import TransactionsR, TransactionsW, WorldDep, owned_shop
from sandbox_etsy.errors import EtsyError, bad_request, conflict, not_found
from sandbox_etsy.params import body_params, query_params
from sandbox_etsy.routes_shop import page
from sandbox_etsy.state import Seller, World, money, money_value, now
from sandbox_etsy.views import offerings, public, quantity_of

API = "/v3/application"
router = APIRouter(prefix=API, tags=["receipts"])
MIN_TIMESTAMP = 946684800


def receipt_view(receipt: dict[str, Any]) -> dict[str, Any]:
    return public(receipt)


@router.get("/shops/{shop_id}/receipts")
async def shop_receipts(
    shop_id: int, request: Request, seller: TransactionsR, world: WorldDep
) -> dict[str, Any]:
    """getShopReceipts: ``min_created``/``max_created``/``min_last_modified``/``max_last_modified`` (epoch
    seconds), ``was_paid``/``was_shipped``/``was_delivered``/``was_canceled``, ``sort_on``/``sort_order``,
    ``limit`` (1-100, 25)/``offset``; ``count`` is the number matching, ``results`` one page."""
    shop = owned_shop(seller, world, shop_id)
    q = query_params(request)
    bounds: dict[str, int | None] = {}
    for name in ("min_created", "max_created", "min_last_modified", "max_last_modified"):
        value = q.integer(name)
        if value is not None and value < MIN_TIMESTAMP:
            raise bad_request(f"Parameter '{name}' must be greater than or equal to {MIN_TIMESTAMP}.")
        bounds[name] = value
    limit, offset = page(request)
    sort_on = q.text("sort_on") or "created"
    if sort_on not in {"created", "updated", "receipt_id"}:
        raise bad_request("Parameter 'sort_on' must be one of: created, updated, receipt_id.")
    order = q.text("sort_order") or "desc"
    if order not in {"asc", "ascending", "desc", "descending", "up", "down"}:
        raise bad_request(
            "Parameter 'sort_order' must be one of: asc, ascending, desc, descending, up, down."
        )
    flags = {name: q.boolean(name) for name in ("was_paid", "was_shipped", "was_delivered", "was_canceled")}
    found = []
    for receipt in world.receipts.values():
        if receipt["_shop_id"] != shop.shop_id:
            continue
        created, updated = receipt["created_timestamp"], receipt["updated_timestamp"]
        if bounds["min_created"] is not None and created < bounds["min_created"]:
            continue
        if bounds["max_created"] is not None and created > bounds["max_created"]:
            continue
        if bounds["min_last_modified"] is not None and updated < bounds["min_last_modified"]:
            continue
        if bounds["max_last_modified"] is not None and updated > bounds["max_last_modified"]:
            continue
        actual = {
            "was_paid": receipt["is_paid"],
            "was_shipped": receipt["is_shipped"],
            "was_delivered": receipt["_delivered"],
            "was_canceled": receipt["status"] == "canceled",
        }
        if any(wanted is not None and actual[name] != wanted for name, wanted in flags.items()):
            continue
        found.append(receipt)
    key = {"created": "created_timestamp", "updated": "updated_timestamp", "receipt_id": "receipt_id"}[
        sort_on
    ]
    found.sort(key=lambda r: (r[key], r["receipt_id"]), reverse=order in {"desc", "descending", "down"})
    return {"count": len(found), "results": [receipt_view(r) for r in found[offset : offset + limit]]}


def _own_receipt(world: World, shop: Seller, receipt_id: int) -> dict[str, Any]:
    receipt = world.receipts.get(receipt_id)
    if receipt is None or receipt["_shop_id"] != shop.shop_id:
        raise not_found(f"Receipt {receipt_id} was not found.")
    return receipt


@router.get("/shops/{shop_id}/receipts/{receipt_id}")
async def shop_receipt(
    shop_id: int, receipt_id: int, seller: TransactionsR, world: WorldDep
) -> dict[str, Any]:
    shop = owned_shop(seller, world, shop_id)
    return receipt_view(_own_receipt(world, shop, receipt_id))


@router.post("/shops/{shop_id}/receipts/{receipt_id}/tracking")
async def create_shipment(
    shop_id: int, receipt_id: int, request: Request, seller: TransactionsW, world: WorldDep
) -> dict[str, Any]:
    """createReceiptShipment: marks the receipt shipped (with a tracking code and carrier when given)."""
    shop = owned_shop(seller, world, shop_id)
    receipt = _own_receipt(world, shop, receipt_id)
    if receipt["status"] == "canceled":
        raise conflict("A canceled receipt cannot be shipped.")
    p = await body_params(request)
    code, carrier = p.text("tracking_code"), p.text("carrier_name")
    if bool(code) != bool(carrier):
        raise bad_request("Parameters 'tracking_code' and 'carrier_name' go together.")
    ship(world, receipt, code, carrier)
    return receipt_view(receipt)


def ship(world: World, receipt: dict[str, Any], code: str | None, carrier: str | None) -> None:
    at = now()
    receipt["shipments"].append(
        {
            "receipt_shipping_id": world.new_id(10),
            "shipment_notification_timestamp": at,
            "carrier_name": carrier or "",
            "tracking_code": code or "",
        }
    )
    receipt["is_shipped"] = True
    if receipt["status"] == "paid":
        receipt["status"] = "completed"
    for transaction in receipt["transactions"]:
        transaction["shipped_timestamp"] = at
    receipt["update_timestamp"] = receipt["updated_timestamp"] = at


# --- sales (driven by the control API) ---------------------------------------------------------------


def sell(
    world: World,
    lines: list[tuple[int, int, str | None]],
    buyer: str,
    at: int | None = None,
) -> dict[str, Any]:
    """A buyer checks out ``lines`` (listing id, quantity, sku) of one shop: one paid receipt with one
    transaction per line; stock goes down and a listing at 0 is ``sold_out``."""
    if not lines:
        raise bad_request("A receipt needs at least one line.")
    listings = []
    for listing_id, quantity, _sku in lines:
        listing = world.listings.get(listing_id)
        if listing is None or listing["_deleted"]:
            raise not_found(f"Listing {listing_id} was not found.")
        if listing["state"] != "active":
            raise conflict(f"Listing {listing_id} is {listing['state']}, not active: it cannot be bought.")
        if quantity < 1:
            raise bad_request("Each line needs a quantity of at least 1.")
        listings.append(listing)
    shops = {listing["shop_id"] for listing in listings}
    if len(shops) != 1:
        raise bad_request("The lines of one receipt must all come from the same shop.")
    seller = world.sellers[listings[0]["user_id"]]
    # Check every line before changing anything: a receipt is all or nothing.
    picks: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    wanted: dict[int, int] = {}
    for (_, quantity, sku), listing in zip(lines, listings, strict=True):
        product, offering = _pick(listing, quantity + wanted.get(id(listing), 0), sku)
        wanted[id(listing)] = wanted.get(id(listing), 0) + quantity
        picks.append((listing, product, offering))
    at = at if at is not None else now()
    receipt_id = world.new_id(10)
    buyer_id = world.buyer_id(buyer)
    transactions = []
    total = shipping = 0.0
    units = 0
    for (listing_id, quantity, _), (listing, product, offering) in zip(lines, picks, strict=True):
        offering["quantity"] -= quantity
        if quantity_of(listing) == 0:
            listing["state"], listing["state_timestamp"] = "sold_out", at
        listing["last_modified_timestamp"] = listing["updated_timestamp"] = at
        unit = money_value(offering["price"])
        total += unit * quantity
        profile = seller.shipping_profiles.get(listing["shipping_profile_id"] or 0)
        destination = profile["shipping_profile_destinations"][0] if profile else None
        line_shipping = 0.0
        if destination:
            first = (
                money_value(destination["primary_cost"])
                if units == 0
                else money_value(destination["secondary_cost"])
            )
            line_shipping = first + money_value(destination["secondary_cost"]) * (quantity - 1)
        units += quantity
        shipping += line_shipping
        definition = seller.readiness.get(
            offering.get("readiness_state_id") or listing["readiness_state_id"] or 0
        )
        max_days = definition["max_processing_days"] if definition else None
        transactions.append(
            {
                "transaction_id": world.new_id(10),
                "title": listing["title"],
                "description": listing["description"],
                "seller_user_id": seller.user_id,
                "buyer_user_id": buyer_id,
                "create_timestamp": at,
                "created_timestamp": at,
                "paid_timestamp": at,
                "shipped_timestamp": None,
                "quantity": quantity,
                "listing_image_id": listing["_images"][0] if listing["_images"] else None,
                "receipt_id": receipt_id,
                "is_digital": listing["listing_type"] == "download",
                "file_data": "",
                "listing_id": listing_id,
                "transaction_type": "listing",
                "product_id": product["product_id"],
                "sku": product["sku"] or None,
                "price": money(unit, seller.currency),
                "shipping_cost": money(line_shipping, seller.currency),
                "variations": [],
                "product_data": product["property_values"],
                "shipping_profile_id": listing["shipping_profile_id"],
                "min_processing_days": definition["min_processing_days"] if definition else None,
                "max_processing_days": max_days,
                "shipping_method": None,
                "shipping_upgrade": None,
                "expected_ship_date": at + max_days * 86400 if max_days else None,
                "buyer_coupon": 0.0,
                "shop_coupon": 0.0,
            }
        )
    c = seller.currency
    receipt: dict[str, Any] = {
        "receipt_id": receipt_id,
        "receipt_type": 0,
        "seller_user_id": seller.user_id,
        "seller_email": seller.email,
        "buyer_user_id": buyer_id,
        "buyer_email": None,
        "name": buyer,
        "first_line": "12 rue de la Paix",
        "second_line": None,
        "city": "Paris",
        "state": None,
        "zip": "75002",
        "status": "paid",
        "formatted_address": f"{buyer}\n12 rue de la Paix\n75002 Paris\nFrance",
        "country_iso": "FR",
        "payment_method": "cc",
        "payment_email": None,
        "message_from_seller": None,
        "message_from_buyer": None,
        "message_from_payment": None,
        "is_paid": True,
        "is_shipped": False,
        "create_timestamp": at,
        "created_timestamp": at,
        "update_timestamp": at,
        "updated_timestamp": at,
        "is_gift": False,
        "gift_message": "",
        "gift_sender": "",
        "grandtotal": money(total + shipping, c),
        "subtotal": money(total, c),
        "total_price": money(total, c),
        "total_shipping_cost": money(shipping, c),
        "total_tax_cost": money(0, c),
        "total_vat_cost": money(0, c),
        "discount_amt": money(0, c),
        "gift_wrap_price": money(0, c),
        "shipments": [],
        "transactions": transactions,
        "refunds": [],
        "_shop_id": seller.shop_id,
        "_delivered": False,
    }
    world.receipts[receipt_id] = receipt
    return receipt


def _pick(listing: dict[str, Any], quantity: int, sku: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The product and offering a line buys: the one with ``sku``, else the first with enough stock."""
    for product in listing["_inventory"]["products"]:
        if product["is_deleted"] or (sku is not None and product["sku"] != sku):
            continue
        for offering in product["offerings"]:
            if not offering["is_deleted"] and offering["is_enabled"] and offering["quantity"] >= quantity:
                return product, offering
    available = sum(o["quantity"] for o in offerings(listing) if o["is_enabled"])
    raise EtsyError(
        409, f"Listing {listing['listing_id']} has {available} available, fewer than the {quantity} wanted."
    )
