"""ShopListing (createDraftListing, updateListing PATCH, get, list, delete), inventory and images."""

from __future__ import annotations

import json
import mimetypes
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from sandbox_etsy.config import Settings
from sandbox_etsy.deps import (
    ListingsD,
    ListingsR,
    ListingsW,
    MaybeUser,
    SettingsDep,
    WorldDep,
    owned_shop,
)
from sandbox_etsy.errors import bad_request, conflict, forbidden, not_found
from sandbox_etsy.params import Params, body_params, query_params
from sandbox_etsy.routes_shop import page
from sandbox_etsy.rules import (
    DIMENSION_UNITS,
    LISTING_STATES,
    LISTING_TYPES,
    QUANTITY_MAX,
    WEIGHT_UNITS,
    WHEN_MADE,
    WHO_MADE,
    materials_problem,
    price_problem,
    styles_problem,
    tags_problem,
    title_problem,
)
from sandbox_etsy.state import EU, Seller, World, money, now
from sandbox_etsy.taxonomy import BY_ID
from sandbox_etsy.views import image_views, inventory_view, listing_view, public

API = "/v3/application"
router = APIRouter(prefix=API, tags=["listings"])
RENEWAL_S = 120 * 86400  # a listing runs four months
IMAGE_TYPES = {"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/gif", "image/webp"}


def _enum(p: Params, name: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
    value = p.text(name, required=required)
    if value is None or value == "":
        return None
    if value not in allowed:
        raise bad_request(f"Parameter '{name}' must be one of: {', '.join(allowed)}.")
    return value


def _check(problem: str | None) -> None:
    if problem:
        raise bad_request(problem)


def _fields(p: Params, shop: Seller, *, creating: bool) -> dict[str, Any]:
    """The listing fields present in the request, checked; on create the required ones must be there."""
    out: dict[str, Any] = {}
    if creating or p.has("title"):
        title = p.text("title", required=True) or ""
        _check(title_problem(title))
        out["title"] = title
    if creating or p.has("description"):
        out["description"] = p.text("description", required=True)
    for name, allowed in (("who_made", WHO_MADE), ("when_made", WHEN_MADE)):
        if creating or p.has(name):
            out[name] = _enum(p, name, allowed, required=True)
    if creating or p.has("taxonomy_id"):
        taxonomy_id = p.integer("taxonomy_id", required=True, minimum=1)
        if taxonomy_id not in BY_ID:
            raise bad_request(f"Parameter 'taxonomy_id' is not a valid seller taxonomy id: {taxonomy_id}.")
        out["taxonomy_id"] = taxonomy_id
    if p.has("type"):
        out["listing_type"] = _enum(p, "type", LISTING_TYPES) or "physical"
    for name, registry in (
        ("shipping_profile_id", shop.shipping_profiles),
        ("return_policy_id", shop.return_policies),
        ("readiness_state_id", shop.readiness),
    ):
        if p.has(name):
            value = p.integer(name, minimum=1)
            if value is not None and value not in registry:
                raise bad_request(f"Parameter '{name}' is not one of this shop's: {value}.")
            out[name] = value
    if p.has("tags"):
        tags = p.strings("tags") or []
        _check(tags_problem(tags))
        out["tags"] = tags
    if p.has("materials"):
        materials = p.strings("materials") or []
        _check(materials_problem(materials))
        out["materials"] = materials
    if p.has("styles"):
        styles = p.strings("styles") or []
        _check(styles_problem(styles))
        out["style"] = styles
    for name in ("item_weight", "item_length", "item_width", "item_height"):
        if p.has(name):
            size = p.number(name)
            if size is not None and size <= 0:
                raise bad_request(f"Parameter '{name}' must be greater than 0.")
            out[name] = size
    if p.has("item_weight_unit"):
        out["item_weight_unit"] = _enum(p, "item_weight_unit", WEIGHT_UNITS)
    if p.has("item_dimensions_unit"):
        out["item_dimensions_unit"] = _enum(p, "item_dimensions_unit", DIMENSION_UNITS)
    for name in ("is_supply", "is_customizable", "should_auto_renew", "is_taxable", "is_personalizable"):
        if p.has(name):
            out[name] = bool(p.boolean(name))
    if "is_taxable" in out:
        out["non_taxable"] = not out["is_taxable"]
    for name in ("shop_section_id", "processing_min", "processing_max", "featured_rank"):
        if p.has(name):
            out[name] = p.integer(name)
    return out


def _offering(
    offering_id: int, quantity: int, price: dict[str, Any], readiness: int | None
) -> dict[str, Any]:
    return {
        "offering_id": offering_id,
        "quantity": quantity,
        "is_enabled": True,
        "is_deleted": False,
        "price": price,
        "readiness_state_id": readiness,
    }


def _readiness_days(shop: Seller, listing: dict[str, Any]) -> None:
    definition = shop.readiness.get(listing.get("readiness_state_id") or 0)
    if definition:
        listing["processing_min"] = definition["min_processing_days"]
        listing["processing_max"] = definition["max_processing_days"]


def _listing(world: World, listing_id: int) -> dict[str, Any]:
    listing = world.listings.get(listing_id)
    if listing is None or listing["_deleted"]:
        raise not_found(f"Listing {listing_id} was not found.")
    return listing


def _visible(world: World, listing_id: int, viewer: Seller | None) -> dict[str, Any]:
    """Anyone sees an active listing; other states only its owner (token sent)."""
    listing = _listing(world, listing_id)
    if listing["state"] != "active" and (viewer is None or viewer.user_id != listing["user_id"]):
        raise not_found(f"Listing {listing_id} was not found.")
    return listing


def _own(world: World, seller: Seller, listing_id: int, shop_id: int | None = None) -> dict[str, Any]:
    if shop_id is not None:
        owned_shop(seller, world, shop_id)
    listing = _listing(world, listing_id)
    if listing["user_id"] != seller.user_id:
        raise forbidden("The OAuth token does not give access to this listing.")
    if shop_id is not None and listing["shop_id"] != shop_id:
        raise not_found(f"Listing {listing_id} was not found in shop {shop_id}.")
    return listing


def _includes(request: Request) -> list[str] | None:
    return query_params(request).strings("includes")


@router.post("/shops/{shop_id}/listings", status_code=201)
async def create_draft_listing(
    shop_id: int, request: Request, seller: ListingsW, world: WorldDep, settings: SettingsDep
) -> dict[str, Any]:
    """createDraftListing: form-urlencoded (as Etsy documents) or JSON; 201 ``ShopListing`` in ``draft``."""
    shop = owned_shop(seller, world, shop_id)
    p = await body_params(request)
    legacy = query_params(request).boolean("legacy")
    quantity = p.integer("quantity", required=True) or 0
    if not 1 <= quantity <= QUANTITY_MAX:
        raise bad_request(f"Parameter 'quantity' must be between 1 and {QUANTITY_MAX}.")
    price = p.number("price", required=True) or 0.0
    _check(price_problem("price", price))
    fields = _fields(p, shop, creating=True)
    kind = fields.get("listing_type", "physical")
    if kind == "physical":
        if not fields.get("shipping_profile_id"):
            raise bad_request("Parameter 'shipping_profile_id' is required for a physical listing.")
        legacy_days = legacy and fields.get("processing_min") and fields.get("processing_max")
        if not fields.get("readiness_state_id") and not legacy_days:
            raise bad_request("Parameter 'readiness_state_id' is required for a physical listing.")
    at = now()
    listing_id = world.new_id(10)
    listing: dict[str, Any] = {
        "listing_id": listing_id,
        "user_id": shop.user_id,
        "shop_id": shop.shop_id,
        "title": "",
        "description": "",
        "state": "draft",
        "creation_timestamp": at,
        "created_timestamp": at,
        "ending_timestamp": at + RENEWAL_S,
        "original_creation_timestamp": at,
        "last_modified_timestamp": at,
        "updated_timestamp": at,
        "state_timestamp": at,
        "quantity": quantity,
        "shop_section_id": None,
        "featured_rank": -1,
        "url": "",
        "num_favorers": 0,
        "non_taxable": False,
        "is_taxable": True,
        "is_customizable": False,
        "is_personalizable": False,
        "listing_type": "physical",
        "tags": [],
        "materials": [],
        "shipping_profile_id": None,
        "return_policy_id": None,
        "processing_min": None,
        "processing_max": None,
        "who_made": None,
        "when_made": None,
        "is_supply": False,
        "item_weight": None,
        "item_weight_unit": None,
        "item_length": None,
        "item_width": None,
        "item_height": None,
        "item_dimensions_unit": None,
        "is_private": False,
        "style": [],
        "file_data": "",
        "has_variations": False,
        "should_auto_renew": False,
        "language": "en-US",
        "price": None,
        "taxonomy_id": None,
        "readiness_state_id": None,
        **fields,
        "_inventory": {
            "products": [
                {
                    "product_id": world.new_id(11),
                    "sku": "",
                    "is_deleted": False,
                    "offerings": [
                        _offering(
                            world.new_id(11),
                            quantity,
                            money(price, shop.currency),
                            fields.get("readiness_state_id"),
                        )
                    ],
                    "property_values": [],
                }
            ],
            "price_on_property": [],
            "quantity_on_property": [],
            "sku_on_property": [],
            "readiness_state_on_property": [],
        },
        "_images": [],
        "_deleted": False,
    }
    _readiness_days(shop, listing)
    world.listings[listing_id] = listing
    return listing_view(world, listing, settings.public_url)


def activation_problem(world: World, shop: Seller, listing: dict[str, Any]) -> str | None:
    """What Etsy checks when a listing goes active: an image, and for a physical listing a valid
    shipping profile, a processing profile and (outside the EU) a return policy."""
    if not listing["_images"]:
        return "A listing must have at least one image before it can be activated."
    if not listing["title"] or not listing["description"]:
        return "A listing needs a title and a description before it can be activated."
    kind = listing["listing_type"]
    if kind == "physical":
        if listing["shipping_profile_id"] not in shop.shipping_profiles:
            return "Parameter 'shipping_profile_id' must reference a complete, valid shipping profile to activate a physical listing."
        offering_ids = [
            o.get("readiness_state_id") for p in listing["_inventory"]["products"] for o in p["offerings"]
        ]
        if listing["readiness_state_id"] not in shop.readiness and not any(
            r in shop.readiness for r in offering_ids
        ):
            return "Parameter 'readiness_state_id' must reference a processing profile of the shop to activate a physical listing."
        if shop.country not in EU and listing["return_policy_id"] not in shop.return_policies:
            return "Parameter 'return_policy_id' is required to activate a physical listing."
    elif listing["when_made"] != "made_to_order":
        return "A digital listing that is not made to order needs a file before it can be activated."
    return None


def _set_state(world: World, shop: Seller, listing: dict[str, Any], state: str, at: int) -> None:
    current = listing["state"]
    if state == current and state == "active":
        return
    if state == "inactive":
        if current == "draft":
            raise conflict("A draft listing cannot be made inactive; activate or delete it.")
        if current != "inactive":
            listing["state"], listing["state_timestamp"] = "inactive", at
        return
    # state == "active": a sold-out (or stockless) listing comes back with a quantity of 1, renewed
    live = [
        o
        for p in listing["_inventory"]["products"]
        if not p["is_deleted"]
        for o in p["offerings"]
        if not o["is_deleted"]
    ]
    if live and (current == "sold_out" or not any(o["is_enabled"] and o["quantity"] > 0 for o in live)):
        target = next((o for o in live if o["is_enabled"]), live[0])
        target["quantity"], target["is_enabled"] = 1, True
    problem = activation_problem(world, shop, listing)
    if problem:
        raise bad_request(problem)
    listing["state"], listing["state_timestamp"] = "active", at
    listing["ending_timestamp"] = at + RENEWAL_S


@router.patch("/shops/{shop_id}/listings/{listing_id}")
async def update_listing(
    shop_id: int, listing_id: int, request: Request, seller: ListingsW, world: WorldDep, settings: SettingsDep
) -> dict[str, Any]:
    """updateListing (PATCH): fields, then ``state`` (active|inactive). Price and quantity live in the
    inventory (PUT ``listings/{id}/inventory``): sent here they are ignored, as Etsy ignores them."""
    shop = owned_shop(seller, world, shop_id)
    listing = _own(world, seller, listing_id, shop_id)
    p = await body_params(request)
    fields = _fields(p, shop, creating=False)
    state = _enum(p, "state", ("active", "inactive"))
    draft = json.loads(json.dumps({k: v for k, v in listing.items() if k != "_images"}))
    draft["_images"] = list(listing["_images"])
    draft.update(fields)
    _readiness_days(shop, draft)
    at = now()
    if state:
        _set_state(world, shop, draft, state, at)
    elif draft["state"] == "active":
        problem = activation_problem(world, shop, draft)
        if problem:
            raise bad_request(problem)
    draft["last_modified_timestamp"] = draft["updated_timestamp"] = at
    listing.clear()
    listing.update(draft)
    return listing_view(world, listing, settings.public_url)


@router.get("/listings/{listing_id}")
async def get_listing(
    listing_id: int, request: Request, world: WorldDep, settings: SettingsDep, viewer: MaybeUser
) -> dict[str, Any]:
    """getListing: public for active listings; ``includes=Images,Inventory,Shop,User,Shipping``."""
    listing = _visible(world, listing_id, viewer)
    owner = viewer is not None and viewer.user_id == listing["user_id"]
    return listing_view(world, listing, settings.public_url, includes=_includes(request) or [], owner=owner)


def _sorted(found: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
    q = query_params(request)
    sort_on = _enum(q, "sort_on", ("created", "price", "updated", "score")) or "created"
    order = _enum(q, "sort_order", ("asc", "ascending", "desc", "descending", "up", "down")) or "desc"
    key = {"created": "created_timestamp", "updated": "updated_timestamp"}.get(sort_on, "created_timestamp")
    ordered = sorted(found, key=lambda v: (v[key], v["listing_id"]))
    return ordered if order in {"asc", "ascending", "up"} else ordered[::-1]


@router.get("/shops/{shop_id}/listings")
async def listings_by_shop(
    shop_id: int, request: Request, seller: ListingsR, world: WorldDep, settings: SettingsDep
) -> dict[str, Any]:
    """getListingsByShop: ``state`` (default active), ``limit``/``offset``, ``includes``; ``count`` is the total."""
    shop = owned_shop(seller, world, shop_id)
    state = _enum(query_params(request), "state", LISTING_STATES) or "active"
    limit, offset = page(request)
    found = [
        v
        for v in world.listings.values()
        if v["shop_id"] == shop.shop_id and not v["_deleted"] and v["state"] == state
    ]
    includes = _includes(request)
    results = [
        listing_view(world, v, settings.public_url, includes=includes or [], owner=True)
        for v in _sorted(found, request)[offset : offset + limit]
    ]
    return {"count": len(found), "results": results}


@router.get("/shops/{shop_id}/listings/active")
async def active_listings_by_shop(
    shop_id: int, request: Request, world: WorldDep, settings: SettingsDep
) -> dict[str, Any]:
    """findAllActiveListingsByShop: public."""
    if world.shop(shop_id) is None:
        raise not_found(f"Shop {shop_id} was not found.")
    limit, offset = page(request)
    found = [
        v
        for v in world.listings.values()
        if v["shop_id"] == shop_id and not v["_deleted"] and v["state"] == "active"
    ]
    return {
        "count": len(found),
        "results": [
            listing_view(world, v, settings.public_url)
            for v in _sorted(found, request)[offset : offset + limit]
        ],
    }


@router.delete("/listings/{listing_id}", status_code=204)
async def delete_listing(listing_id: int, seller: ListingsD, world: WorldDep) -> Response:
    """deleteListing (204); any state may be deleted (sold_out, draft, expired, inactive, active)."""
    listing = _own(world, seller, listing_id)
    listing["_deleted"] = True
    return Response(status_code=204)


# --- inventory ---------------------------------------------------------------------------------------


@router.get("/listings/{listing_id}/inventory")
async def get_inventory(
    listing_id: int, request: Request, seller: ListingsR, world: WorldDep
) -> dict[str, Any]:
    listing = _own(world, seller, listing_id)
    show_deleted = bool(query_params(request).boolean("show_deleted"))
    return inventory_view(listing, show_deleted=show_deleted)


def _property_ids(body: dict[str, Any], name: str) -> list[int]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise bad_request(f"Parameter '{name}' must be an array of integers.")
    return list(value)


@router.put("/listings/{listing_id}/inventory")
async def update_inventory(
    listing_id: int, request: Request, seller: ListingsW, world: WorldDep
) -> dict[str, Any]:
    """updateListingInventory (JSON): products with offerings (price as a float, quantity, is_enabled,
    readiness_state_id). Product and offering ids are new after every update."""
    listing = _own(world, seller, listing_id)
    shop = world.sellers[listing["user_id"]]
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise bad_request("updateListingInventory expects a JSON body (Content-Type: application/json).")
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise bad_request("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    products_in = body.get("products")
    if not isinstance(products_in, list) or not products_in:
        raise bad_request("Parameter 'products' is required and must be a non-empty array.")
    on_property = {
        name: _property_ids(body, name)
        for name in (
            "price_on_property",
            "quantity_on_property",
            "sku_on_property",
            "readiness_state_on_property",
        )
    }
    physical = listing["listing_type"] == "physical"
    products: list[dict[str, Any]] = []
    for i, product in enumerate(products_in):
        where = f"products[{i}]"
        if not isinstance(product, dict):
            raise bad_request(f"Parameter '{where}' must be an object.")
        sku = product.get("sku") or ""
        if not isinstance(sku, str) or len(sku) > 32:
            raise bad_request(f"Parameter '{where}.sku' must be a string of at most 32 characters.")
        values = product.get("property_values") or []
        if not isinstance(values, list):
            raise bad_request(f"Parameter '{where}.property_values' must be an array.")
        for j, value in enumerate(values):
            if not isinstance(value, dict) or any(
                k not in value for k in ("property_id", "value_ids", "values")
            ):
                raise bad_request(
                    f"Parameter '{where}.property_values[{j}]' needs property_id, value_ids and values."
                )
            if any("(" in str(v) or ")" in str(v) for v in value.get("values") or []):
                raise bad_request(
                    f"Parameter '{where}.property_values[{j}].values' may not contain parentheses."
                )
        if len(products_in) > 1 and not values:
            raise bad_request(
                f"Parameter '{where}.property_values' is required when a listing has several products."
            )
        offerings_in = product.get("offerings")
        if not isinstance(offerings_in, list) or not offerings_in:
            raise bad_request(f"Parameter '{where}.offerings' is required and must be a non-empty array.")
        offerings = []
        for j, offering in enumerate(offerings_in):
            at = f"{where}.offerings[{j}]"
            if not isinstance(offering, dict):
                raise bad_request(f"Parameter '{at}' must be an object.")
            for key in ("price", "quantity", "is_enabled"):
                if key not in offering:
                    raise bad_request(f"Missing required parameter '{at}.{key}'.")
            price, quantity, enabled = offering["price"], offering["quantity"], offering["is_enabled"]
            if isinstance(price, bool) or not isinstance(price, int | float):
                raise bad_request(f"Parameter '{at}.price' must be a number.")
            _check(price_problem(f"{at}.price", float(price)))
            if (
                isinstance(quantity, bool)
                or not isinstance(quantity, int)
                or not 0 <= quantity <= QUANTITY_MAX
            ):
                raise bad_request(
                    f"Parameter '{at}.quantity' must be an integer between 0 and {QUANTITY_MAX}."
                )
            if not isinstance(enabled, bool):
                raise bad_request(f"Parameter '{at}.is_enabled' must be a boolean.")
            readiness = offering.get("readiness_state_id")
            if readiness is None and physical and not listing["readiness_state_id"]:
                raise bad_request(f"Missing required parameter '{at}.readiness_state_id'.")
            if readiness is not None and readiness not in shop.readiness:
                raise bad_request(
                    f"Parameter '{at}.readiness_state_id' is not one of this shop's: {readiness}."
                )
            offering_record = _offering(
                world.new_id(11),
                quantity,
                money(float(price), shop.currency),
                readiness or listing["readiness_state_id"],
            )
            offering_record["is_enabled"] = enabled
            offerings.append(offering_record)
        products.append(
            {
                "product_id": world.new_id(11),
                "sku": sku,
                "is_deleted": False,
                "offerings": offerings,
                "property_values": [
                    {
                        "property_id": v["property_id"],
                        "property_name": v.get("property_name"),
                        "scale_id": v.get("scale_id"),
                        "scale_name": None,
                        "value_ids": v["value_ids"],
                        "values": v["values"],
                    }
                    for v in values
                ],
            }
        )
    for field, name in (("price", "price_on_property"), ("quantity", "quantity_on_property")):
        seen = {json.dumps(o[field], sort_keys=True) for p in products for o in p["offerings"]}
        if len(seen) > 1 and not on_property[name]:
            raise bad_request(
                f"Products have different {field}s, so '{name}' must name the property that varies."
            )
    if len({p["sku"] for p in products}) > 1 and not on_property["sku_on_property"]:
        raise bad_request(
            "Products have different SKUs, so 'sku_on_property' must name the property that varies."
        )
    if not any(o["is_enabled"] and o["quantity"] > 0 for p in products for o in p["offerings"]):
        raise bad_request("At least one offering must be enabled with a quantity greater than 0.")
    listing["_inventory"] = {"products": products, **on_property}
    listing["has_variations"] = len(products) > 1
    listing["last_modified_timestamp"] = listing["updated_timestamp"] = now()
    return inventory_view(listing)


# --- images ------------------------------------------------------------------------------------------


def _renumber(world: World, listing: dict[str, Any]) -> None:
    for rank, image_id in enumerate(listing["_images"], start=1):
        world.images[image_id]["rank"] = rank


def _image_urls(settings: Settings, image_id: int, content_type: str) -> dict[str, str]:
    ext = (mimetypes.guess_extension(content_type) or ".jpg").lstrip(".")
    base = f"{settings.public_url}/images/{image_id}"
    return {
        "url_75x75": f"{base}/il_75x75.{ext}",
        "url_170x135": f"{base}/il_170x135.{ext}",
        "url_570xN": f"{base}/il_570xN.{ext}",
        "url_fullxfull": f"{base}/il_fullxfull.{ext}",
    }


@router.post("/shops/{shop_id}/listings/{listing_id}/images", status_code=201)
async def upload_image(
    shop_id: int, listing_id: int, request: Request, seller: ListingsW, world: WorldDep, settings: SettingsDep
) -> dict[str, Any]:
    """uploadListingImage (multipart): ``image`` file (or ``listing_image_id`` of a deleted image),
    ``rank`` (1 = first), ``overwrite``, ``alt_text``; 201 ``ListingImage``."""
    listing = _own(world, seller, listing_id, shop_id)
    form = await request.form()
    p = Params.of_items([(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)])
    upload = form.get("image")
    rank = p.integer("rank") or 1
    overwrite = bool(p.boolean("overwrite"))
    alt_text = p.text("alt_text") or None
    if alt_text and len(alt_text) > 500:
        raise bad_request("Parameter 'alt_text' must be at most 500 characters long.")
    ranks = listing["_images"]
    replaces = overwrite and 1 <= rank <= len(ranks)
    if not replaces and len(ranks) >= settings.max_images_per_listing:
        raise bad_request(f"A listing may have at most {settings.max_images_per_listing} images.")
    at = now()
    if isinstance(upload, UploadFile):
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        data = await upload.read()
        if not data:
            raise bad_request("Parameter 'image' is an empty file.")
        if content_type not in IMAGE_TYPES:
            raise bad_request(
                f"Parameter 'image' must be a JPEG, PNG, GIF or WebP image, not '{content_type or 'unknown'}'."
            )
        image_id = world.new_id(10)
        world.image_files[image_id] = (content_type, data)
        image: dict[str, Any] = {
            "listing_id": listing_id,
            "listing_image_id": image_id,
            "hex_code": None,
            "red": None,
            "green": None,
            "blue": None,
            "hue": None,
            "saturation": None,
            "brightness": None,
            "is_black_and_white": None,
            "creation_tsz": at,
            "created_timestamp": at,
            "rank": rank,
            **_image_urls(settings, image_id, content_type),
            "full_height": None,
            "full_width": None,
            "alt_text": alt_text,
            "_deleted": False,
        }
        world.images[image_id] = image
    elif upload is not None and not isinstance(upload, UploadFile) and str(upload).strip():
        raise bad_request("Parameter 'image' must be a file (multipart/form-data).")
    else:
        reuse = p.integer("listing_image_id", minimum=1)
        if reuse is None:
            raise bad_request("Parameter 'image' or 'listing_image_id' is required.")
        found = world.images.get(reuse)
        if found is None or found["listing_id"] != listing_id:
            raise not_found(f"Listing image {reuse} was not found.")
        if not found["_deleted"]:
            raise conflict(f"Listing image {reuse} is already attached to the listing.")
        found["_deleted"] = False
        image_id = reuse
        if alt_text is not None:
            found["alt_text"] = alt_text
    if replaces:
        old = ranks[rank - 1]
        world.images[old]["_deleted"] = True
        ranks[rank - 1] = image_id
    else:
        ranks.insert(max(0, min(rank, len(ranks) + 1) - 1), image_id)
    _renumber(world, listing)
    listing["last_modified_timestamp"] = listing["updated_timestamp"] = at
    return public(world.images[image_id])


@router.get("/listings/{listing_id}/images")
async def listing_images(listing_id: int, world: WorldDep, viewer: MaybeUser) -> dict[str, Any]:
    listing = _visible(world, listing_id, viewer)
    found = image_views(world, listing)
    return {"count": len(found), "results": found}


@router.get("/listings/{listing_id}/images/{image_id}")
async def listing_image(listing_id: int, image_id: int, world: WorldDep, viewer: MaybeUser) -> dict[str, Any]:
    listing = _visible(world, listing_id, viewer)
    if image_id not in listing["_images"]:
        raise not_found(f"Listing image {image_id} was not found.")
    return public(world.images[image_id])


@router.delete("/shops/{shop_id}/listings/{listing_id}/images/{image_id}", status_code=204)
async def delete_image(
    shop_id: int, listing_id: int, image_id: int, seller: ListingsW, world: WorldDep
) -> Response:
    """deleteListingImage (204); the file stays, so the image can be attached again by its id."""
    listing = _own(world, seller, listing_id, shop_id)
    if image_id not in listing["_images"]:
        raise not_found(f"Listing image {image_id} was not found.")
    if listing["state"] == "active" and len(listing["_images"]) == 1:
        raise bad_request("An active listing must keep at least one image.")
    listing["_images"].remove(image_id)
    world.images[image_id]["_deleted"] = True
    _renumber(world, listing)
    listing["last_modified_timestamp"] = listing["updated_timestamp"] = now()
    return Response(status_code=204)
