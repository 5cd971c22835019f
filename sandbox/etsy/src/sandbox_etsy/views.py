"""Etsy's resource shapes (``Shop``, ``User``, ``ShopListing``, ``ListingInventory``...) from the world."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sandbox_etsy.state import Seller, World, money


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record without its ``_`` bookkeeping keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80] or "item"


def user_view(seller: Seller) -> dict[str, Any]:
    first, _, last = seller.login_name.replace("_", " ").partition(" ")
    return {
        "user_id": seller.user_id,
        "primary_email": seller.email,
        "first_name": first.capitalize() or None,
        "last_name": last.capitalize() or None,
        "image_url_75x75": None,
    }


def shop_view(world: World, seller: Seller, public_url: str) -> dict[str, Any]:
    mine = [v for v in world.listings.values() if v["shop_id"] == seller.shop_id and not v["_deleted"]]
    sold = sum(len(r["transactions"]) for r in world.receipts.values() if r["_shop_id"] == seller.shop_id)
    return {
        "shop_id": seller.shop_id,
        "user_id": seller.user_id,
        "shop_name": seller.shop_name,
        "create_date": seller.created,
        "created_timestamp": seller.created,
        "title": None,
        "announcement": None,
        "currency_code": seller.currency,
        "is_vacation": False,
        "vacation_message": None,
        "sale_message": None,
        "digital_sale_message": None,
        "update_date": seller.created,
        "updated_timestamp": seller.created,
        "listing_active_count": sum(1 for v in mine if v["state"] == "active"),
        "digital_listing_count": 0,
        "login_name": seller.login_name,
        "accepts_custom_requests": False,
        "policy_welcome": None,
        "policy_payment": None,
        "policy_shipping": None,
        "policy_refunds": None,
        "policy_additional": None,
        "policy_seller_info": None,
        "policy_update_date": seller.created,
        "policy_has_private_receipt_info": False,
        "has_unstructured_policies": False,
        "policy_privacy": None,
        "vacation_autoreply": None,
        "url": f"{public_url}/shop/{seller.shop_name}",
        "image_url_760x100": None,
        "num_favorers": 0,
        "languages": ["en-US"],
        "icon_url_fullxfull": None,
        "is_using_structured_policies": True,
        "has_onboarded_structured_policies": True,
        "include_dispute_form_link": False,
        "is_direct_checkout_onboarded": True,
        "is_etsy_payments_onboarded": True,
        "is_calculated_eligible": False,
        "is_opted_in_to_buyer_promise": False,
        "is_shop_us_based": seller.country == "US",
        "transaction_sold_count": sold,
        "shipping_from_country_iso": seller.country,
        "shop_location_country_iso": seller.country,
        "review_count": 0,
        "review_average": None,
    }


def inventory_view(listing: dict[str, Any], *, show_deleted: bool = False) -> dict[str, Any]:
    inventory = listing["_inventory"]
    products = []
    for product in inventory["products"]:
        if product["is_deleted"] and not show_deleted:
            continue
        offerings = [o for o in product["offerings"] if show_deleted or not o["is_deleted"]]
        products.append({**product, "offerings": offerings})
    return {**{k: v for k, v in inventory.items() if k != "products"}, "products": products}


def offerings(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """The live offerings of a listing (not deleted), in product order."""
    return [
        offering
        for product in listing["_inventory"]["products"]
        if not product["is_deleted"]
        for offering in product["offerings"]
        if not offering["is_deleted"]
    ]


def quantity_of(listing: dict[str, Any]) -> int:
    return sum(o["quantity"] for o in offerings(listing) if o["is_enabled"])


def price_of(listing: dict[str, Any], currency: str) -> dict[str, Any]:
    enabled = [o for o in offerings(listing) if o["is_enabled"]] or offerings(listing)
    if not enabled:
        return money(0, currency)
    cheapest: dict[str, Any] = min(enabled, key=lambda o: o["price"]["amount"])["price"]
    return dict(cheapest)


def image_views(world: World, listing: dict[str, Any]) -> list[dict[str, Any]]:
    return [public(world.images[i]) for i in listing["_images"]]


def listing_view(
    world: World,
    listing: dict[str, Any],
    public_url: str,
    *,
    includes: list[str] | None = None,
    owner: bool = False,
) -> dict[str, Any]:
    """``ShopListing``; ``includes`` adds the ``ShopListingWithAssociations`` parts asked for."""
    seller = world.sellers[listing["user_id"]]
    view = public(listing)
    view["quantity"] = quantity_of(listing)
    view["price"] = price_of(listing, seller.currency)
    view["url"] = f"{public_url}/listing/{listing['listing_id']}"
    for name in {i.strip().lower() for i in includes or []}:
        if name == "images":
            view["images"] = image_views(world, listing)
        elif name == "inventory":
            view["inventory"] = inventory_view(listing)
        elif name == "shop":
            view["shop"] = shop_view(world, seller, public_url)
        elif name == "user":
            view["user"] = user_view(seller)
        elif name == "shipping":
            view["shipping_profile"] = seller.shipping_profiles.get(listing["shipping_profile_id"] or 0)
    if includes is not None:
        view["skus"] = (
            [p["sku"] for p in listing["_inventory"]["products"] if p["sku"] and not p["is_deleted"]]
            if owner
            else []
        )
    return view
