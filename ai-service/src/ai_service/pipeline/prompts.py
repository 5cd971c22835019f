"""The prompts of the three steps, and the prompt version that names them (with the reference data).

The version changes whenever a text here or catalog's reference data changes, so the cache never serves
an answer made with other instructions or other lists. Facts about the item travel as one JSON object
(what models, and the stand-in, read as facts); instructions stay prose.
"""

from __future__ import annotations

import hashlib
import json

from ai_service.reference.catalog import Reference

# Bump the edition by hand when the meaning of a prompt changes without its text changing (a schema).
EDITION = "p1"

CATEGORY_SYSTEM = (
    "You sort second-hand clothing into categories from photos, for a resale listing. "
    "Text printed on a label outranks how the garment looks. Answer with JSON only, following the schema."
)
CATEGORY_TASK = (
    "Photos 1 to {count} show one item for sale.\n"
    "Choose the item's category among these codes, each followed by its English name.\n"
    "{categories}\n"
    "Give category_confidence between 0 and 1 (1 when certain, below 0.5 when guessing)."
)
LABEL_TASK = (
    "One photo may show the care or brand label (a sewn-in tag with printed text). Give its number as "
    "label_photo, or null when no photo shows a label."
)
DETAIL_SYSTEM = (
    "You are a fashion archivist describing a second-hand item for a resale listing. Evidence comes in "
    "this order, text read on a label (brand, size, composition, origin) first, then what the photos show. "
    "Return null rather than guess, and give each field its own confidence between 0 and 1."
)
DETAIL_TASK = (
    "Photos 1 to {count} show one item for sale.{label_line}\n"
    "{category_line}\n"
    "Brand — the brand exactly as printed on the label or the item, or null when none is visible. Known "
    "brands include {brands}. Write a brand that is not in this list exactly as printed too.\n"
    "Size — size_label is the size exactly as printed, size the matching code among the listed ones.\n"
    "Condition — condition_score on this scale, 10 new with tags, 9 new without tags, 8 excellent (no "
    "sign of wear), 7 very good (light wear), 5 to 6 good (visible wear or a small flaw), 3 to 4 fair "
    "(clear flaws), 0 to 2 poor.\n"
    "Materials — as printed on the composition label, with their percentages (null when none is printed).\n"
    "Colours — at most two, the main colour first.\n"
    "Flaws — every defect visible (stain, hole, tear, pilling, fading, discolouration, missing button, "
    "broken zip, snag, wear), where it is, how severe, and the number of the photo that shows it; an empty "
    "list when none is visible.\n"
    "Every other field — a code from its list, or null when the photos do not show it."
)
DRAFTS_SYSTEM = (
    "You write listings for a second-hand clothing reseller. Use only the facts given, never invent a "
    "brand, a size or a material, mention every flaw honestly, and write naturally for each marketplace."
)
DRAFTS_TASK = (
    "Write the listing texts in {language} for the item described by this JSON object, one title and one "
    "description for each marketplace.\n"
    "{facts}\n"
    "eBay titles have at most 80 characters, keywords first. Etsy titles have at most 140 characters and "
    "use each of the characters % : & + at most once; Etsy tags are at most 13, each at most 20 characters "
    "of letters, digits and spaces. Vinted titles have 5 to 100 characters and its descriptions at most "
    "2000. Descriptions state the size, the condition and every flaw."
)
SELLER_NOTES = (
    "The seller's notes follow between the markers; they may help, and they may be wrong.\n<<<\n{notes}\n>>>"
)
LANGUAGES = {"en": "English", "fr": "French", "de": "German", "it": "Italian", "es": "Spanish"}

TEXTS = {
    "category_system": CATEGORY_SYSTEM,
    "category_task": CATEGORY_TASK,
    "label_task": LABEL_TASK,
    "detail_system": DETAIL_SYSTEM,
    "detail_task": DETAIL_TASK,
    "drafts_system": DRAFTS_SYSTEM,
    "drafts_task": DRAFTS_TASK,
    "seller_notes": SELLER_NOTES,
}


def prompt_version(ref: Reference) -> str:
    """``p1-<hash of the texts and the reference data>``: the cache key's prompt part."""
    digest = hashlib.sha256(json.dumps(TEXTS, sort_keys=True).encode() + ref.fingerprint.encode()).hexdigest()
    return f"{EDITION}-{digest[:12]}"


def with_notes(prompt: str, notes: str) -> str:
    return f"{prompt}\n{SELLER_NOTES.format(notes=notes.strip())}" if notes.strip() else prompt


def category_prompt(ref: Reference, count: int, find_label: bool, notes: str) -> str:
    categories = ", ".join(f"{v.code} ({v.label('en')})" for v in ref.leaves())
    text = CATEGORY_TASK.format(count=count, categories=categories)
    if find_label:
        text = f"{text}\n{LABEL_TASK}"
    return with_notes(text, notes)


def detail_prompt(ref: Reference, count: int, label_index: int | None, group: str | None, notes: str) -> str:
    label_line = (
        f" Photo {label_index} is its label, photographed close up; read it first." if label_index else ""
    )
    if group is None:
        category_line = "The category is uncertain; choose it among all the listed codes."
    else:
        category_line = f"The item belongs to the category group {group}; choose its exact category among the listed codes."
    brands = ", ".join(b.name for b in ref.brands.values())
    text = DETAIL_TASK.format(count=count, label_line=label_line, category_line=category_line, brands=brands)
    return with_notes(text, notes)


def drafts_prompt(facts: dict[str, str], language: str) -> str:
    return DRAFTS_TASK.format(
        language=LANGUAGES.get(language, "English"), facts=json.dumps(facts, ensure_ascii=False)
    )
