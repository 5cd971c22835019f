"""Listing drafts per marketplace: asked of the text model, held to each marketplace's limits, and written
from templates when the model fails (the seller still gets a usable draft; no extra credit is taken)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from vitrine_contracts.ai import FlawSeen, ItemAttributes, ListingDraft
from vitrine_contracts.common import Marketplace

from ai_service.pipeline import prompts
from ai_service.pipeline.schemas import DRAFT_LIMITS, ETSY_TAG_LENGTH, ETSY_TAGS, drafts_schema
from ai_service.providers.base import ErrorKind, ModelRequest, ProviderError
from ai_service.reference.catalog import Reference

TEMPLATE = "template"
REQUIRED = tuple(f"{m}_{part}" for m in DRAFT_LIMITS for part in ("title", "description"))
ETSY_ONCE = "%:&+"
# Words of the templates, per language (labels of reference values come from catalog's data).
WORDS: dict[str, dict[str, str]] = {
    "en": {"brand": "Brand", "size": "Size", "condition": "Condition", "colour": "Colour", "material": "Material",
           "category": "Category", "gender": "Gender", "flaws": "Flaws", "none": "No visible flaw.",
           "photos": "See the photos for every detail.", "unbranded": "Unbranded"},
    "fr": {"brand": "Marque", "size": "Taille", "condition": "État", "colour": "Couleur", "material": "Matière",
           "category": "Catégorie", "gender": "Genre", "flaws": "Défauts", "none": "Aucun défaut visible.",
           "photos": "Voir les photos pour tous les détails.", "unbranded": "Sans marque"},
    "de": {"brand": "Marke", "size": "Größe", "condition": "Zustand", "colour": "Farbe", "material": "Material",
           "category": "Kategorie", "gender": "Geschlecht", "flaws": "Mängel", "none": "Keine sichtbaren Mängel.",
           "photos": "Alle Details auf den Fotos.", "unbranded": "Ohne Marke"},
    "it": {"brand": "Marca", "size": "Taglia", "condition": "Condizioni", "colour": "Colore",
           "material": "Materiale", "category": "Categoria", "gender": "Genere", "flaws": "Difetti",
           "none": "Nessun difetto visibile.", "photos": "Vedi le foto per ogni dettaglio.",
           "unbranded": "Senza marca"},
    "es": {"brand": "Marca", "size": "Talla", "condition": "Estado", "colour": "Color", "material": "Material",
           "category": "Categoría", "gender": "Género", "flaws": "Defectos", "none": "Sin defectos visibles.",
           "photos": "Ver las fotos para todos los detalles.", "unbranded": "Sin marca"},
}  # fmt: skip


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def facts(ref: Reference, attrs: ItemAttributes, flaws: list[FlawSeen], lang: str) -> dict[str, str]:
    """The item's facts by field, values in the seller's language; only what was seen."""
    materials = ", ".join(
        f"{m.percent}% {ref.label('material', m.reference_id, lang)}"
        if m.percent
        else ref.label("material", m.reference_id, lang)
        for m in attrs.materials.items
    )
    condition = attrs.condition.reference_id
    out = {
        "brand": attrs.brand.text or "",
        "category": attrs.category.text or "",
        "gender": attrs.gender.text or "",
        "colour": " / ".join(ref.label("colour", c, lang) for c in attrs.colours.reference_ids),
        "size": attrs.size.text or "",
        "material": materials,
        "condition": ref.label("condition", condition, lang) if condition else "",
    }
    for name in (
        "fit",
        "pattern",
        "neckline",
        "sleeve_length",
        "length",
        "rise",
        "closure",
        "season",
        "decade",
    ):
        value = getattr(attrs, name)
        if value is not None and value.text:
            out[name] = value.text
    if flaws:
        out["flaws"] = "; ".join(
            f"{f.kind.value.replace('_', ' ')} ({f.location}, {f.severity.value})" for f in flaws
        )
    return {k: v for k, v in out.items() if v}


def drafts_request(ref: Reference, attrs: ItemAttributes, flaws: list[FlawSeen], lang: str) -> ModelRequest:
    return ModelRequest(
        step="drafts",
        system=prompts.DRAFTS_SYSTEM,
        prompt=prompts.drafts_prompt(facts(ref, attrs, flaws, lang), lang),
        schema=drafts_schema(),
        schema_name="listing_drafts",
        temperature=0.4,
    )


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut after a whole word."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    if text[limit] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-")


def etsy_title(text: str) -> str:
    """Letters, digits, punctuation, maths symbols, spaces and ™©® only; % : & + once each."""
    kept: list[str] = []
    seen: set[str] = set()
    for char in text:
        category = unicodedata.category(char)
        if not (category[0] in "LP" or category in ("Nd", "Sm", "Zs") or char in "™©®"):
            continue
        if char in ETSY_ONCE:
            if char in seen:
                continue
            seen.add(char)
        kept.append(char)
    return cut(" ".join("".join(kept).split()), DRAFT_LIMITS["etsy"]["title"])


def etsy_tags(values: Any) -> list[str]:
    tags: list[str] = []
    for value in values if isinstance(values, list) else []:
        tag = " ".join(re.sub(r"[^\w ]", " ", str(value), flags=re.UNICODE).replace("_", " ").split())
        tag = cut(tag, ETSY_TAG_LENGTH).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:ETSY_TAGS]


def vinted_title(text: str, filler: str) -> str:
    title = cut(text, DRAFT_LIMITS["vinted"]["title"])
    return title if len(title) >= 5 else cut(f"{title} {filler}".strip(), DRAFT_LIMITS["vinted"]["title"])


def parse_drafts(data: dict[str, Any], written_by: str, filler: str) -> dict[Marketplace, ListingDraft]:
    """The model's drafts held to the limits; ``INVALID_OUTPUT`` when a title or description is missing."""
    for marketplace in DRAFT_LIMITS:
        for part in ("title", "description"):
            value = data.get(f"{marketplace}_{part}")
            if not isinstance(value, str) or not value.strip():
                raise ProviderError(ErrorKind.INVALID_OUTPUT, f"the drafts lack {marketplace}_{part}")
    limits = DRAFT_LIMITS
    return {
        Marketplace.EBAY: ListingDraft(
            title=cut(data["ebay_title"], limits["ebay"]["title"]),
            description=cut(data["ebay_description"], limits["ebay"]["description"]),
            written_by=written_by,
        ),
        Marketplace.ETSY: ListingDraft(
            title=etsy_title(data["etsy_title"]),
            description=cut(data["etsy_description"], limits["etsy"]["description"]),
            tags=etsy_tags(data.get("etsy_tags")),
            written_by=written_by,
        ),
        Marketplace.VINTED: ListingDraft(
            title=vinted_title(data["vinted_title"], filler),
            description=cut(data["vinted_description"], limits["vinted"]["description"]),
            written_by=written_by,
        ),
    }


def template_drafts(
    ref: Reference, attrs: ItemAttributes, flaws: list[FlawSeen], lang: str
) -> dict[Marketplace, ListingDraft]:
    """Drafts from the facts alone, in the seller's language, when the text model cannot write them."""
    w = words(lang)
    colour = ref.label("colour", attrs.colours.reference_ids[0], lang) if attrs.colours.reference_ids else ""
    noun = attrs.category.text or ""
    size = f"{w['size']} {attrs.size.text}" if attrs.size.text else ""
    title = " ".join(p for p in (attrs.brand.text, noun, colour, size) if p) or noun or w["unbranded"]
    lines = [
        f"{w.get(name, name.replace('_', ' ').capitalize())}: {value}."
        for name, value in facts(ref, attrs, [], lang).items()
    ]
    lines.append(
        f"{w['flaws']}: " + "; ".join(f"{f.kind.value.replace('_', ' ')} ({f.location})" for f in flaws) + "."
        if flaws
        else w["none"]
    )
    lines.append(w["photos"])
    description = "\n".join(lines)
    tags = [t for t in (attrs.brand.text, noun, colour, attrs.size.text) if t]
    data = {
        "ebay_title": title,
        "ebay_description": description,
        "etsy_title": title,
        "etsy_description": description,
        "etsy_tags": tags,
        "vinted_title": title,
        "vinted_description": description,
    }
    return parse_drafts(data, TEMPLATE, noun or w["unbranded"])
