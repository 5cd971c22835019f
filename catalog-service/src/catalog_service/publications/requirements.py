"""What each marketplace needs before a product can be listed there, and the snapshot sent to it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from vitrine_contracts.catalog import ImageRef, MarketplaceMapping, MaterialShare, ProductSnapshot
from vitrine_contracts.common import Marketplace, Money

from catalog_service.config import Settings
from catalog_service.models import Product
from catalog_service.publications import ebay_sites
from catalog_service.reference import vinted
from catalog_service.reference.catalog import ReferenceCatalog

TITLE_LIMIT = {Marketplace.EBAY: 80, Marketplace.ETSY: 140, Marketplace.VINTED: 100}
IMAGE_LIMIT = {Marketplace.EBAY: 24, Marketplace.ETSY: 10, Marketplace.VINTED: 20}
LISTABLE = ("ready", "listed")


def _gender(product: Product) -> str:
    return product.gender or ""


def missing(
    product: Product,
    marketplace: Marketplace,
    ref: ReferenceCatalog,
    settings: Settings,
    site: str = "",
) -> list[dict[str, str]]:
    """Every missing piece for ``marketplace`` (on eBay, ``site``), each naming the field and what it lacks."""
    out: list[dict[str, str]] = []

    def need(field: str, code: str, message: str) -> None:
        found = {"marketplace": marketplace.value, "field": field, "code": code, "message": message}
        if site:
            found["site"] = site
        out.append(found)

    if product.status not in LISTABLE:
        need("status", "not-ready", f"the product is {product.status}; mark it ready first")
    if not product.title.strip():
        need("title", "required", "a title is required")
    elif len(product.title) > TITLE_LIMIT[marketplace]:
        need("title", "too-long", f"at most {TITLE_LIMIT[marketplace]} characters")
    if not product.description.strip():
        need("description", "required", "a description is required")
    if product.price is None or product.price <= 0:
        need("price", "required", "a price above zero is required")
    if product.stock_quantity <= 0:
        need("stock_quantity", "out-of-stock", "nothing left in stock")
    if not product.images:
        need("images", "required", "at least one image is required")
    elif len(product.images) > IMAGE_LIMIT[marketplace]:
        need("images", "too-many", f"at most {IMAGE_LIMIT[marketplace]} images")
    if product.category is None:
        need("category", "required", "a category is required")
    if product.condition is None and marketplace != Marketplace.ETSY:
        need("condition", "required", "a condition is required")
    if marketplace in (Marketplace.EBAY, Marketplace.VINTED):
        if product.brand is None:
            need("brand", "required", "a brand is required")
        if product.size is None:
            need("size", "required", "a size is required")
        if product.gender is None:
            need("gender", "required", "a gender is required (the category depends on it)")
    if marketplace == Marketplace.VINTED and not product.colours:
        need("colours", "required", "at least one colour is required")
    if marketplace == Marketplace.VINTED:
        # Every id Vinted needs, named one by one (catalog, status, brand, size, colours, package size).
        for field, code, message in _vinted(product, ref)[1]:
            need(field, code, message)
        return out
    mapping = snapshot_mapping(product, marketplace, ref, settings, site)
    if (
        product.category
        and (product.gender or marketplace == Marketplace.ETSY)
        and mapping.category_id is None
    ):
        need(
            "category",
            "unmapped",
            f"no {marketplace.value}{' ' + site if site else ''} category for {product.category} "
            f"({_gender(product)})",
        )
    if product.condition and marketplace != Marketplace.ETSY and mapping.condition_id is None:
        need("condition", "unmapped", f"no {marketplace.value} condition for {product.condition}")
    return out


def ebay_aspects(product: Product, ref: ReferenceCatalog, site: str) -> dict[str, list[str]]:
    """The item specifics, named and valued in ``site``'s language."""
    names = ebay_sites.ASPECT_NAMES[ebay_sites.language(site)]
    lang = ebay_sites.label_language(site)
    aspects: dict[str, list[str]] = {}
    if product.brand:  # a shared-list brand by its name, a typed one (pending review) as typed
        brand = ref.brands.get(product.brand)
        aspects[names["brand"]] = [brand.name if brand else product.brand]
    if product.size:
        aspects[names["size"]] = [product.size]
    if product.colours:
        aspects[names["colour"]] = [ref.label("colour", c, lang) for c in product.colours]
    if product.materials:
        aspects[names["material"]] = [ref.label("material", x["material"], lang) for x in product.materials]
    if product.gender:
        own = ebay_sites.DEPARTMENTS.get(ebay_sites.language(site), {}).get(product.gender)
        aspects[names["department"]] = [own or ref.label("gender", product.gender, lang)]
    return aspects


def snapshot_mapping(
    product: Product,
    marketplace: Marketplace,
    ref: ReferenceCatalog,
    settings: Settings,
    site: str = "",
) -> MarketplaceMapping:
    """The product's codes translated to ``marketplace``'s ids (missing ones left empty); on eBay, to
    ``site``'s category ids and language (the configured site when none is given)."""
    m = marketplace.value
    category = product.category or ""
    condition = product.condition or ""
    if marketplace == Marketplace.EBAY:
        site = site or settings.ebay_site
        cat = ref.mapping(m, "category", category, _gender(product), site)
        cond = ref.mapping(m, "condition", condition)
        return MarketplaceMapping(
            category_id=cat.external_id if cat else None,
            condition_id=cond.external_id if cond else None,
            aspects=ebay_aspects(product, ref, site),
            extra={
                "site": site,
                "language": ebay_sites.language(site),
                "condition_code": cond.data.get("condition_id") if cond else None,
            },
        )
    if marketplace == Marketplace.ETSY:
        cat = ref.mapping(m, "category", category)
        when = ref.mapping(m, "when_made", product.attributes.get("decade", "default")) or ref.mapping(
            m, "when_made", "default"
        )
        return MarketplaceMapping(
            category_id=cat.external_id if cat else None,
            extra={"when_made": when.external_id if when else None, "who_made": "someone_else"},
        )
    ids, _ = _vinted(product, ref)
    extra: dict[str, Any] = {
        "color_ids": ids["color_ids"],
        "package_size_id": ids["package_size_id"],
        "size_id": ids["size_id"],
    }
    if ids["brand_id"] is not None:
        extra["brand_id"] = ids["brand_id"]
    return MarketplaceMapping(category_id=ids["catalog_id"], condition_id=ids["status_id"], extra=extra)


def _vinted(product: Product, ref: ReferenceCatalog) -> tuple[dict[str, Any], list[vinted.Problem]]:
    size = ref.size(product.size_system, product.size) if product.size_system and product.size else None
    return vinted.resolve(
        ref,
        category=product.category,
        gender=product.gender,
        size_code=size.code if size else None,
        brand=product.brand,
        colours=list(product.colours),
        condition=product.condition,
    )


def snapshot(
    product: Product,
    marketplace: Marketplace,
    ref: ReferenceCatalog,
    settings: Settings,
    site: str = "",
    price: Money | None = None,
) -> ProductSnapshot:
    """The product frozen for the adapter, image URLs included; ``price``: the listing's price (after the
    price rule and the conversion), the product's own when not given."""
    category_path: list[str] = []
    code = product.category
    while code:
        category_path.insert(0, ref.label("category", code))
        value = ref.values.get("category", {}).get(code)
        code = value.parent if value else None
    return ProductSnapshot(
        product_id=product.id,
        sku=product.sku,
        title=product.title,
        description=product.description,
        price=price or Money(amount=product.price or Decimal("0"), currency=product.currency),
        quantity=product.stock_quantity,
        brand=ref.brands[product.brand].name if product.brand in ref.brands else product.brand,
        category_id=product.category,
        category_path=category_path,
        condition=product.condition,
        size=product.size,
        size_system=product.size_system,
        gender=product.gender,
        colours=list(product.colours),
        materials=[
            MaterialShare(material=x["material"], percent=x.get("percent")) for x in product.materials
        ],
        measurements_cm={k: Decimal(str(v)) for k, v in product.measurements_cm.items()},
        attributes=dict(product.attributes),
        flaws=list(product.flaws),
        images=[
            ImageRef(
                media_id=img["media_id"],
                url=settings.media_public_url.format(media_id=img["media_id"]),
                is_label=img.get("is_label", False),
            )
            for img in product.images
        ],
        mapping=snapshot_mapping(product, marketplace, ref, settings, site),
    )
