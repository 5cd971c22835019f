"""A catalog snapshot as an Etsy listing, and Etsy's refusals as sentences a seller can act on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from vitrine_contracts.catalog import ProductSnapshot
from vitrine_marketplace import MarketplaceRejected

from marketplace_etsy.etsy import text
from marketplace_etsy.etsy.listing import EtsyDraft

WHO_MADE = frozenset({"i_did", "someone_else", "collective"})
QUANTITY_MAX = 999


def sku_for(publication_id: uuid.UUID) -> str:
    """The SKU of a publication: the same on every attempt (at most 32 characters, as Etsy allows)."""
    return f"VTR-{publication_id.hex[:28]}"


@dataclass(frozen=True)
class DraftOrMissing:
    draft: EtsyDraft | None
    missing: list[str]


def etsy_draft(snapshot: ProductSnapshot, sku: str) -> DraftOrMissing:
    """The listing Etsy gets for ``snapshot``: taxonomy and ``when_made`` from catalog's Etsy mapping, text
    cleaned to Etsy's rules; or what the product lacks for Etsy."""
    mapping = snapshot.mapping
    missing: list[str] = []
    taxonomy = mapping.category_id if mapping.category_id and mapping.category_id.isdigit() else None
    if taxonomy is None:
        missing.append("an Etsy category (its category has no Etsy mapping)")
    when_made = mapping.extra.get("when_made")
    if not when_made:
        missing.append("when it was made (decade)")
    title = text.listing_title(snapshot.title)
    if not title:
        missing.append("a title")
    if not snapshot.images:
        missing.append("photos")
    if snapshot.price.amount <= 0:
        missing.append("a price")
    if missing or taxonomy is None or not when_made:
        return DraftOrMissing(None, missing)
    who_made = str(mapping.extra.get("who_made") or "someone_else")
    attributes = snapshot.attributes
    tag_words = [
        snapshot.brand or "",
        *(snapshot.category_path[-1:] or []),
        *snapshot.colours,
        *(attributes[k] for k in ("decade", "style", "pattern", "fit", "season") if attributes.get(k)),
        "vintage" if str(when_made)[:1] == "1" or str(when_made).startswith("before") else "",
        snapshot.gender or "",
        snapshot.size or "",
    ]
    draft = EtsyDraft(
        sku=sku,
        title=title,
        description=_description(snapshot, title),
        price=snapshot.price.amount,
        currency=snapshot.price.currency,
        quantity=min(max(snapshot.quantity, 1), QUANTITY_MAX),
        image_urls=[image.url for image in snapshot.images],
        category_id=taxonomy,
        brand=snapshot.brand,
        taxonomy_id=int(taxonomy),
        who_made=who_made if who_made in WHO_MADE else "someone_else",
        when_made=str(when_made),
        tags=text.tags(w for w in tag_words if w),
        materials=text.materials(m.material for m in snapshot.materials),
        photos=[str(image.media_id) for image in snapshot.images],
    )
    return DraftOrMissing(draft, [])


def _description(snapshot: ProductSnapshot, title: str) -> str:
    """The product's description, with its flaws spelled out when the description does not name them."""
    body = snapshot.description.strip() or title
    unsaid = [f for f in snapshot.flaws if f.strip() and f.lower() not in body.lower()]
    if unsaid:
        body += "\n\nFlaws:\n" + "\n".join(f"- {flaw.strip()}" for flaw in unsaid)
    return body


def seller_reason(exc: MarketplaceRejected) -> tuple[str, str]:
    """(code, sentence) the seller can act on, from Etsy's error message."""
    message = exc.message
    if exc.code == "setup-incomplete":  # already a seller's sentence
        return exc.code, message
    lowered = message.lower()
    if exc.status == 403:
        return (
            "account-reconnect",
            f"{message}. Connect Etsy again in Vitrine to give it the permissions it needs.",
        )
    if "taxonomy" in lowered:
        return "category-invalid", f"{message}. Choose another category for this product."
    if any(k in lowered for k in ("shipping_profile", "readiness_state", "return_policy", "processing")):
        return "setup-incomplete", f"{message}. Run the Etsy setup check in Vitrine and fix what it lists."
    if "title" in lowered:
        return "title-invalid", f"{message}. Shorten or simplify the title."
    if "tags" in lowered or "materials" in lowered:
        return "attributes-invalid", f"{message}. Simplify the product's attributes."
    if "image" in lowered:
        return "images-invalid", f"{message}. Check the product's photos."
    if "price" in lowered:
        return "price-invalid", f"{message}. Etsy accepts prices from 0.20 to 50,000."
    if "when_made" in lowered or "who_made" in lowered:
        return "attributes-invalid", f"{message}. Set when the item was made."
    return "etsy-rejected", message
