"""Users, shops, shipping profiles, processing profiles (readiness states), return policies, taxonomy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from sandbox_etsy.deps import EmailR, SettingsDep, ShopsR, ShopsW, WorldDep, owned_shop
from sandbox_etsy.errors import EtsyError, bad_request, conflict, forbidden, not_found
from sandbox_etsy.params import body_params, query_params
from sandbox_etsy.state import money, readiness_definition
from sandbox_etsy.taxonomy import NODES
from sandbox_etsy.views import shop_view, user_view

API = "/v3/application"
router = APIRouter(prefix=API)
POSTAL_CODE_COUNTRIES = {"US", "CA", "AU", "GB", "FR", "DE", "IT", "ES", "NL", "BE", "IN", "CH", "AT", "PT"}
RETURN_DEADLINES = (7, 14, 21, 30, 45, 60, 90)


def page(request: Request) -> tuple[int, int]:
    """``limit`` (1-100, default 25) and ``offset`` (>= 0) of a query string."""
    q = query_params(request)
    limit = q.integer("limit")
    offset = q.integer("offset")
    limit = 25 if limit is None else limit
    if not 1 <= limit <= 100:
        raise bad_request("Parameter 'limit' must be between 1 and 100.")
    offset = 0 if offset is None else offset
    if offset < 0:
        raise bad_request("Parameter 'offset' must be greater than or equal to 0.")
    return limit, offset


@router.get("/openapi-ping", tags=["other"])
async def ping(settings: SettingsDep) -> dict[str, Any]:
    """Checks the API key alone: ``{"application_id": ...}``."""
    return {"application_id": sum(settings.keystring.encode()) * 7919 % 10**9}


# --- users and shops ---------------------------------------------------------------------------------


@router.get("/users/me", tags=["user"])
async def get_me(seller: ShopsR) -> dict[str, Any]:
    return {"user_id": seller.user_id, "shop_id": seller.shop_id}


@router.get("/users/{user_id}", tags=["user"])
async def get_user(user_id: int, seller: EmailR) -> dict[str, Any]:
    if user_id != seller.user_id:
        raise forbidden("The OAuth token does not give access to this user.")
    return user_view(seller)


@router.get("/users/{user_id}/shops", tags=["shop"])
async def shop_by_owner(user_id: int, world: WorldDep, settings: SettingsDep) -> dict[str, Any]:
    seller = world.sellers.get(user_id)
    if seller is None:
        raise not_found(f"User {user_id} does not have a shop.")
    return shop_view(world, seller, settings.public_url)


@router.get("/shops/{shop_id}", tags=["shop"])
async def get_shop(shop_id: int, world: WorldDep, settings: SettingsDep) -> dict[str, Any]:
    seller = world.shop(shop_id)
    if seller is None:
        raise not_found(f"Shop {shop_id} was not found.")
    return shop_view(world, seller, settings.public_url)


# --- shipping profiles -------------------------------------------------------------------------------


@router.get("/shops/{shop_id}/shipping-profiles", tags=["shipping"])
async def shipping_profiles(shop_id: int, seller: ShopsR, world: WorldDep) -> dict[str, Any]:
    shop = owned_shop(seller, world, shop_id)
    found = list(shop.shipping_profiles.values())
    return {"count": len(found), "results": found}


@router.get("/shops/{shop_id}/shipping-profiles/{profile_id}", tags=["shipping"])
async def shipping_profile(shop_id: int, profile_id: int, seller: ShopsR, world: WorldDep) -> dict[str, Any]:
    shop = owned_shop(seller, world, shop_id)
    if profile_id not in shop.shipping_profiles:
        raise not_found(f"Shipping profile {profile_id} was not found.")
    return shop.shipping_profiles[profile_id]


@router.post("/shops/{shop_id}/shipping-profiles", tags=["shipping"])
async def create_shipping_profile(
    shop_id: int, request: Request, seller: ShopsW, world: WorldDep
) -> dict[str, Any]:
    """createShopShippingProfile (200): a destination by country or region, a carrier or delivery days."""
    shop = owned_shop(seller, world, shop_id)
    p = await body_params(request)
    title = p.text("title", required=True) or ""
    origin = (p.text("origin_country_iso", required=True) or "").upper()
    if len(origin) != 2 or not origin.isalpha():
        raise bad_request("Parameter 'origin_country_iso' must be an ISO 3166-1 alpha-2 country code.")
    primary = p.number("primary_cost", required=True) or 0.0
    secondary = p.number("secondary_cost", required=True) or 0.0
    for name, value in (("primary_cost", primary), ("secondary_cost", secondary)):
        if value < 0:
            raise bad_request(f"Parameter '{name}' must be greater than or equal to 0.")
    low, high = p.integer("min_processing_time"), p.integer("max_processing_time")
    for name, days in (("min_processing_time", low), ("max_processing_time", high)):
        if days is not None and not 1 <= days <= 10:
            raise bad_request(f"Parameter '{name}' must be between 1 and 10.")
    if low is not None and high is not None and low > high:
        raise bad_request("Parameter 'min_processing_time' must not exceed 'max_processing_time'.")
    unit = p.text("processing_time_unit") or "business_days"
    if unit not in {"business_days", "weeks"}:
        raise bad_request("Parameter 'processing_time_unit' must be one of business_days, weeks.")
    country = p.text("destination_country_iso")
    region = p.text("destination_region") or "none"
    if region not in {"eu", "non_eu", "none"}:
        raise bad_request("Parameter 'destination_region' must be one of eu, non_eu, none.")
    if country and region != "none":
        raise bad_request("Pass either 'destination_country_iso' or 'destination_region', not both.")
    if not country and region == "none":
        raise bad_request("One of 'destination_country_iso' or 'destination_region' is required.")
    carrier, mail_class = p.integer("shipping_carrier_id"), p.text("mail_class")
    min_days, max_days = p.integer("min_delivery_days"), p.integer("max_delivery_days")
    if not (carrier and mail_class) and (min_days is None or max_days is None):
        raise bad_request(
            "Pass either 'shipping_carrier_id' and 'mail_class', or 'min_delivery_days' and 'max_delivery_days'."
        )
    for name, days in (("min_delivery_days", min_days), ("max_delivery_days", max_days)):
        if days is not None and not 1 <= days <= 45:
            raise bad_request(f"Parameter '{name}' must be between 1 and 45.")
    if min_days is not None and max_days is not None and min_days > max_days:
        raise bad_request("Parameter 'min_delivery_days' must not exceed 'max_delivery_days'.")
    postal = p.text("origin_postal_code") or ""
    if origin in POSTAL_CODE_COUNTRIES and not postal:
        raise bad_request(f"Parameter 'origin_postal_code' is required when shipping from {origin}.")
    profile_id = world.new_id(11)
    profile = {
        "shipping_profile_id": profile_id,
        "title": title,
        "user_id": shop.user_id,
        "origin_country_iso": origin,
        "is_deleted": False,
        "shipping_profile_destinations": [
            {
                "shipping_profile_destination_id": world.new_id(11),
                "shipping_profile_id": profile_id,
                "origin_country_iso": origin,
                "destination_country_iso": country.upper() if country else "",
                "destination_region": region,
                "primary_cost": money(primary, shop.currency),
                "secondary_cost": money(secondary, shop.currency),
                "shipping_carrier_id": carrier,
                "mail_class": mail_class,
                "min_delivery_days": min_days,
                "max_delivery_days": max_days,
            }
        ],
        "shipping_profile_upgrades": [],
        "origin_postal_code": postal or None,
        "profile_type": "manual",
        "domestic_handling_fee": 0.0,
        "international_handling_fee": 0.0,
    }
    shop.shipping_profiles[profile_id] = profile
    return profile


# --- processing profiles (readiness state definitions) -----------------------------------------------


@router.get("/shops/{shop_id}/readiness-state-definitions", tags=["processing"])
async def readiness_definitions(
    shop_id: int, request: Request, seller: ShopsR, world: WorldDep
) -> dict[str, Any]:
    shop = owned_shop(seller, world, shop_id)
    limit, offset = page(request)
    found = list(shop.readiness.values())
    return {"count": len(found), "results": found[offset : offset + limit]}


@router.get("/shops/{shop_id}/readiness-state-definitions/{definition_id}", tags=["processing"])
async def readiness_definition_one(
    shop_id: int, definition_id: int, seller: ShopsR, world: WorldDep
) -> dict[str, Any]:
    shop = owned_shop(seller, world, shop_id)
    if definition_id not in shop.readiness:
        raise not_found(f"Readiness state definition {definition_id} was not found.")
    return shop.readiness[definition_id]


@router.post("/shops/{shop_id}/readiness-state-definitions", tags=["processing"], status_code=201)
async def create_readiness_definition(
    shop_id: int, request: Request, seller: ShopsW, world: WorldDep
) -> dict[str, Any]:
    """createShopReadinessStateDefinition (201); the same values twice answer 409 with Content-Location."""
    shop = owned_shop(seller, world, shop_id)
    p = await body_params(request)
    state = p.text("readiness_state", required=True)
    if state not in {"ready_to_ship", "made_to_order"}:
        raise bad_request("Parameter 'readiness_state' must be one of ready_to_ship, made_to_order.")
    low = p.integer("min_processing_time", required=True) or 0
    high = p.integer("max_processing_time", required=True) or 0
    for name, value in (("min_processing_time", low), ("max_processing_time", high)):
        if not 1 <= value <= 10:
            raise bad_request(f"Parameter '{name}' must be between 1 and 10.")
    if low > high:
        raise bad_request("Parameter 'min_processing_time' must not exceed 'max_processing_time'.")
    unit = p.text("processing_time_unit") or "days"
    if unit not in {"days", "weeks"}:
        raise bad_request("Parameter 'processing_time_unit' must be one of days, weeks.")
    candidate = readiness_definition(shop.shop_id, 0, state, low, high, unit)
    for existing in shop.readiness.values():
        if all(
            existing[k] == candidate[k]
            for k in ("readiness_state", "min_processing_days", "max_processing_days")
        ):
            raise EtsyError(
                409,
                "A readiness state definition with these values already exists.",
                headers={
                    "Content-Location": f"{API}/shops/{shop.shop_id}/readiness-state-definitions/"
                    f"{existing['readiness_state_id']}"
                },
            )
    definition_id = world.new_id(10)
    shop.readiness[definition_id] = {**candidate, "readiness_state_id": definition_id}
    return shop.readiness[definition_id]


# --- return policies ---------------------------------------------------------------------------------


@router.get("/shops/{shop_id}/policies/return", tags=["return policy"])
async def return_policies(shop_id: int, world: WorldDep) -> dict[str, Any]:
    shop = world.shop(shop_id)
    if shop is None:
        raise not_found(f"Shop {shop_id} was not found.")
    found = list(shop.return_policies.values())
    return {"count": len(found), "results": found}


@router.get("/shops/{shop_id}/policies/return/{policy_id}", tags=["return policy"])
async def return_policy(shop_id: int, policy_id: int, world: WorldDep) -> dict[str, Any]:
    shop = world.shop(shop_id)
    if shop is None or policy_id not in shop.return_policies:
        raise not_found(f"Return policy {policy_id} was not found.")
    return shop.return_policies[policy_id]


@router.post("/shops/{shop_id}/policies/return", tags=["return policy"])
async def create_return_policy(
    shop_id: int, request: Request, seller: ShopsW, world: WorldDep
) -> dict[str, Any]:
    """createShopReturnPolicy (200): a deadline is required when returns or exchanges are accepted."""
    shop = owned_shop(seller, world, shop_id)
    p = await body_params(request)
    returns = bool(p.boolean("accepts_returns", required=True))
    exchanges = bool(p.boolean("accepts_exchanges", required=True))
    deadline = p.integer("return_deadline")
    if returns or exchanges:
        if deadline is None:
            raise bad_request(
                "Parameter 'return_deadline' is required when accepts_returns or accepts_exchanges is true."
            )
        if deadline not in RETURN_DEADLINES:
            raise bad_request("Parameter 'return_deadline' must be one of 7, 14, 21, 30, 45, 60, 90.")
    else:
        deadline = None
    for existing in shop.return_policies.values():
        if (existing["accepts_returns"], existing["accepts_exchanges"], existing["return_deadline"]) == (
            returns,
            exchanges,
            deadline,
        ):
            raise conflict(
                f"A return policy with these values already exists: {existing['return_policy_id']}."
            )
    policy_id = world.new_id(11)
    shop.return_policies[policy_id] = {
        "return_policy_id": policy_id,
        "shop_id": shop.shop_id,
        "accepts_returns": returns,
        "accepts_exchanges": exchanges,
        "return_deadline": deadline,
    }
    return shop.return_policies[policy_id]


# --- seller taxonomy ---------------------------------------------------------------------------------


@router.get("/seller-taxonomy/nodes", tags=["taxonomy"])
async def taxonomy_nodes() -> JSONResponse:
    return JSONResponse({"count": len(NODES), "results": NODES})
