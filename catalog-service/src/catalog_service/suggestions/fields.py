"""Between an analysis and a product: the value each suggestible field takes, what accepting it writes, and
the product's current value in the same shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue
from vitrine_contracts.ai import AnalysisCompleted, FlawSeen, Guess

from catalog_service.models import Product
from catalog_service.reference.catalog import ATTRIBUTE_TYPES

ATTRIBUTE = "attributes."
MAX_FLAWS = 30  # what a product holds
# A suggestion that sets two product fields together; the others set the field of their name.
WRITES: dict[str, tuple[str, ...]] = {"size": ("size_system", "size"), "price": ("price", "currency")}


@dataclass(frozen=True)
class Suggested:
    field: str
    value: JsonValue
    confidence: float | None


def flaw_text(flaw: FlawSeen) -> str:
    """A flaw as the product lists it: ``stain, left cuff (minor)``."""
    kind = flaw.kind.value.replace("_", " ")
    where = f", {flaw.location}" if flaw.location else ""
    return f"{kind}{where} ({flaw.severity.value})"


def _code(field: str, guess: Guess | None) -> list[Suggested]:
    # A guess with no catalog code (text read but unknown) or not seen at all suggests nothing.
    if guess is None or guess.reference_id is None or guess.confidence <= 0:
        return []
    return [Suggested(field, guess.reference_id, guess.confidence)]


def from_analysis(event: AnalysisCompleted) -> list[Suggested]:
    """Every value the analysis gives a product, mapped to the product's fields as the event codes them."""
    a = event.attributes
    out = _code("category", a.category) + _code("brand", a.brand)
    if a.size.reference_id and a.size.system and a.size.value and a.size.confidence > 0:
        out.append(Suggested("size", {"size_system": a.size.system, "size": a.size.value}, a.size.confidence))
    if a.colours.reference_ids and a.colours.confidence > 0:
        out.append(Suggested("colours", list(a.colours.reference_ids), a.colours.confidence))
    if a.materials.items and a.materials.confidence > 0:
        shares: list[JsonValue] = [
            {"material": m.reference_id, "percent": m.percent} for m in a.materials.items
        ]
        out.append(Suggested("materials", shares, a.materials.confidence))
    if a.condition.reference_id and a.condition.confidence > 0:
        out.append(Suggested("condition", a.condition.reference_id, a.condition.confidence))
    out += _code("gender", a.gender)
    for name in ATTRIBUTE_TYPES:
        out += _code(f"{ATTRIBUTE}{name}", getattr(a, name, None))
    if event.flaws:
        out.append(Suggested("flaws", [flaw_text(f) for f in event.flaws[:MAX_FLAWS]], None))
    drafts = list(event.drafts.values())
    titles = [d.title.strip() for d in drafts if d.title.strip()]
    descriptions = [d.description.strip() for d in drafts if d.description.strip()]
    # The shortest draft fits every marketplace's limits, since each draft fits its own.
    if titles:
        out.append(Suggested("title", min(titles, key=len), None))
    if descriptions:
        out.append(Suggested("description", min(descriptions, key=len), None))
    if event.price is not None:
        price: JsonValue = {"price": str(event.price.amount), "currency": event.price.currency}
        out.append(Suggested("price", price, None))
    return out


def changes(field: str, value: Any) -> dict[str, Any]:
    """The product fields accepting ``field`` writes (attributes are merged by the caller)."""
    if field in WRITES:
        return {key: value[key] for key in WRITES[field]}
    return {field: value}


def written(field: str) -> tuple[str, ...]:
    """The product fields whose source becomes the AI when ``field`` is accepted."""
    return WRITES.get(field, (field,))


def current(product: Product, field: str) -> JsonValue:
    """The product's value of ``field``, shaped like the suggestion."""
    if field.startswith(ATTRIBUTE):
        return product.attributes.get(field.removeprefix(ATTRIBUTE))
    if field == "size":
        return {"size_system": product.size_system, "size": product.size} if product.size else None
    if field == "price":
        return None if product.price is None else {"price": str(product.price), "currency": product.currency}
    value: JsonValue = getattr(product, field)
    return value


def owner(product_field: str) -> str:
    """The suggestion field a product field's error belongs to (``colours.0`` → ``colours``)."""
    head, _, rest = product_field.partition(".")
    if head == "attributes" and rest:
        return f"{ATTRIBUTE}{rest.split('.')[0]}"
    return next((field for field, keys in WRITES.items() if head in keys), head)
