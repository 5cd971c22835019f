"""A product as Vinted's write body: attributes mapped to Vinted ids, Vinted's title and price rules."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from vitrine_contracts.catalog import ProductSnapshot
from vitrine_contracts.relay.v1 import ItemAttribute, ItemBody


class ListingRuleError(ValueError):
    """The product breaks one of Vinted's listing rules (title, price, photos, mapping)."""


def vinted_price(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def vinted_item(snapshot: ProductSnapshot) -> ItemBody:
    """The Vinted write body of a product; ``ListingRuleError`` names the first rule it breaks."""
    title = " ".join(snapshot.title.split())
    if len(title) > 100:  # Vinted caps titles; cut at a word
        title = title[:100].rsplit(" ", 1)[0]
    if len(title) < 5:
        raise ListingRuleError("title: Vinted needs at least 5 characters")
    price = vinted_price(snapshot.price.amount)
    if price < 1:
        raise ListingRuleError("price: Vinted's minimum is 1.00")
    if not snapshot.images:
        raise ListingRuleError("images: Vinted needs at least one photo")
    m = snapshot.mapping
    if not m.category_id or not m.condition_id:
        raise ListingRuleError("mapping: Vinted catalog_id and status_id are required")
    extra = m.extra
    size_id, status_id = extra.get("size_id"), int(m.condition_id)
    attributes = [ItemAttribute(code="condition", ids=[status_id])]
    if size_id:
        attributes.append(ItemAttribute(code="size", ids=[int(size_id)]))
    return ItemBody(
        id=None,
        currency=snapshot.price.currency,
        title=title,
        description=snapshot.description[:2000],
        brand_id=extra.get("brand_id"),
        brand=snapshot.brand,
        catalog_id=int(m.category_id),
        price=float(price),
        package_size_id=extra.get("package_size_id", 1),
        color_ids=[int(c) for c in extra.get("color_ids", [])][:2],
        item_attributes=attributes,
        size_id=int(size_id) if size_id else None,
        status_id=status_id,
        # Vinted's write shape has these too; Vitrine leaves them empty.
        isbn=None,
        is_unisex=False,
        ai_photo=False,
        shipment_prices={"domestic": None, "international": None},
        measurement_length=None,
        measurement_width=None,
        manufacturer=None,
        manufacturer_labelling=None,
    )
