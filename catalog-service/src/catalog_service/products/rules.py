"""The product lifecycle and the checks of a product against reference data."""

from __future__ import annotations

from typing import Any

from catalog_service.models import Product
from catalog_service.products.schemas import ProductStatus
from catalog_service.reference.catalog import ATTRIBUTE_TYPES, ReferenceCatalog

S = ProductStatus
# ``listed`` is reached through a publication; ``sold`` by an order (or the seller selling offline).
TRANSITIONS: dict[ProductStatus, frozenset[ProductStatus]] = {
    S.DRAFT: frozenset({S.READY, S.ARCHIVED}),
    S.READY: frozenset({S.DRAFT, S.LISTED, S.SOLD, S.ARCHIVED}),
    S.LISTED: frozenset({S.READY, S.SOLD, S.ARCHIVED}),
    S.SOLD: frozenset({S.READY, S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.DRAFT}),
}
SYSTEM_ONLY = frozenset({S.LISTED})


def can_move(current: str, target: ProductStatus) -> bool:
    return target in TRANSITIONS[ProductStatus(current)]


def reference_errors(values: dict[str, Any], ref: ReferenceCatalog) -> list[dict[str, str]]:
    """Every field of ``values`` (a partial product) naming an unknown code or a wrong combination."""
    errors: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    # A brand is a code of the shared list or free text (kept pending review: reference/brands.py).
    category = values.get("category")
    if category and not ref.is_leaf(category):
        bad("category", f"'{category}' is not a leaf category")
    for field, type_ in (("condition", "condition"), ("gender", "gender")):
        if values.get(field) and not ref.has(type_, values[field]):
            bad(field, f"unknown {type_} '{values[field]}'")
    for i, colour in enumerate(values.get("colours") or []):
        if not ref.has("colour", colour):
            bad(f"colours.{i}", f"unknown colour '{colour}'")
    for i, material in enumerate(values.get("materials") or []):
        if not ref.has("material", material["material"]):
            bad(f"materials.{i}.material", f"unknown material '{material['material']}'")
    for key, code in (values.get("attributes") or {}).items():
        if key not in ATTRIBUTE_TYPES:
            bad(f"attributes.{key}", f"unknown attribute; one of {', '.join(ATTRIBUTE_TYPES)}")
        elif not ref.has(key, code):
            bad(f"attributes.{key}", f"unknown {key} '{code}'")
    system, size = values.get("size_system"), values.get("size")
    if bool(system) != bool(size):
        bad("size" if system else "size_system", "size and size_system go together")
    elif system and size:
        found = ref.size(system, size)
        if found is None:
            bad("size", f"unknown size '{size}' in system '{system}'")
        elif category and ref.category_group(category) not in found.data.get("groups", []):
            bad("size", f"size system '{system}' does not apply to category '{category}'")
    return errors


def merged(product: Product, changes: dict[str, Any]) -> dict[str, Any]:
    """The product's reference fields with ``changes`` applied, to check combinations."""
    keys = (
        "brand",
        "category",
        "condition",
        "gender",
        "colours",
        "materials",
        "attributes",
        "size_system",
        "size",
    )
    out = {k: getattr(product, k) for k in keys}
    out.update({k: v for k, v in changes.items() if k in keys})
    return out


def missing_for_ready(product: Product) -> list[dict[str, str]]:
    """What a product needs before it is ready to list anywhere."""
    checks = [
        ("title", bool(product.title.strip()), "a title"),
        ("description", bool(product.description.strip()), "a description"),
        ("price", product.price is not None and product.price > 0, "a price above zero"),
        ("stock_quantity", product.stock_quantity > 0, "stock above zero"),
        ("category", product.category is not None, "a category"),
        ("condition", product.condition is not None, "a condition"),
        ("images", bool(product.images), "at least one image"),
    ]
    return [{"field": f, "message": f"needs {m}"} for f, ok, m in checks if not ok]
