"""From a model's detail answer to catalog's terms: reference codes, per-field confidence, flaws by photo.

Codes the model made up are not passed on as codes: an unknown value keeps its text with
``matched: false``. A brand is matched against catalog's brands and aliases; an unknown one stays text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from vitrine_contracts.ai import (
    ColoursGuess,
    ConditionGuess,
    FlawKind,
    FlawSeen,
    FlawSeverity,
    Guess,
    ItemAttributes,
    MaterialsGuess,
    MaterialShareGuess,
    SizeGuess,
)

from ai_service.reference.catalog import ATTRIBUTE_TYPES, Reference, normalise

# The written 0-10 scale of the prompt, to catalog's condition codes.
CONDITION_BY_SCORE = (
    (10, "new_with_tags"),
    (9, "new_without_tags"),
    (7, "very_good"),
    (5, "good"),
    (0, "satisfactory"),
)


def confidence(data: dict[str, Any], name: str) -> float:
    """``<name>_confidence`` in 0..1 (a model answering in percent is scaled back)."""
    raw = data.get(f"{name}_confidence")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return 0.0
    value = float(raw) / 100 if raw > 1 else float(raw)
    return round(min(1.0, max(0.0, value)), 3)


def condition_code(score: int) -> str:
    return next(code for floor, code in CONDITION_BY_SCORE if score >= floor)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def guess(ref: Reference, type_: str, value: Any, conf: float, lang: str) -> Guess:
    """A value of ``type_``: matched to a code (by code or any language's label) or kept as text."""
    text = _text(value)
    if text is None:
        return Guess(confidence=0.0)
    found = ref.match_value(type_, text)
    if found is None:
        return Guess(text=text, matched=False, confidence=conf)
    return Guess(reference_id=found.code, text=found.label(lang), matched=True, confidence=conf)


def brand_guess(ref: Reference, value: Any, conf: float) -> Guess:
    text = _text(value)
    if text is None:
        return Guess(confidence=0.0)
    brand = ref.match_brand(text)
    if brand is None:
        return Guess(text=text, matched=False, confidence=conf)
    return Guess(reference_id=brand.code, text=brand.name, matched=True, confidence=conf)


def size_guess(ref: Reference, code: Any, label: Any, group: str | None, conf: float) -> SizeGuess:
    """The model's size code when it is one of the group's sizes, else the printed label matched to one."""
    printed = _text(label)
    valid = {v.code: v for v in ref.sizes(group)}
    chosen = valid.get(str(code)) if code is not None else None
    if chosen is None and printed is not None:
        wanted = normalise(printed).replace(" ", "")
        chosen = next(
            (v for v in valid.values() if normalise(str(v.data.get("value", ""))).replace(" ", "") == wanted),
            None,
        )
    if chosen is None:
        return SizeGuess(text=printed, matched=False, confidence=conf if printed else 0.0)
    return SizeGuess(
        reference_id=chosen.code,
        text=printed or str(chosen.data.get("value")),
        matched=True,
        confidence=conf,
        system=str(chosen.data.get("system")),
        value=str(chosen.data.get("value")),
    )


def materials_guess(ref: Reference, items: Any, conf: float) -> MaterialsGuess:
    shares: list[MaterialShareGuess] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        found = ref.match_value("material", _text(item.get("material")))
        if found is None or any(s.reference_id == found.code for s in shares):
            continue
        percent = item.get("percent")
        valid = isinstance(percent, int) and not isinstance(percent, bool) and 1 <= percent <= 100
        shares.append(MaterialShareGuess(reference_id=found.code, percent=percent if valid else None))
    if sum(s.percent or 0 for s in shares) > 100:  # misread composition: keep the fibres, drop the numbers
        shares = [MaterialShareGuess(reference_id=s.reference_id) for s in shares]
        conf = min(conf, 0.3)
    return MaterialsGuess(items=shares, confidence=conf if shares else 0.0)


def colours_guess(ref: Reference, values: Any, conf: float) -> ColoursGuess:
    codes: list[str] = []
    for value in values if isinstance(values, list) else []:
        found = ref.match_value("colour", _text(value))
        if found is not None and found.code not in codes:
            codes.append(found.code)
    return ColoursGuess(reference_ids=codes[:2], confidence=conf if codes else 0.0)


def condition_guess(ref: Reference, score: Any, conf: float) -> ConditionGuess:
    if isinstance(score, bool) or not isinstance(score, int | float):
        return ConditionGuess(confidence=0.0)
    value = int(min(10, max(0, round(score))))
    return ConditionGuess(score=value, reference_id=condition_code(value), confidence=conf)


def flaws_seen(items: Any, photos: Sequence[uuid.UUID | None]) -> list[FlawSeen]:
    out: list[FlawSeen] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("kind"))
        severity = str(item.get("severity"))
        photo = item.get("photo")
        image_id = photos[photo - 1] if isinstance(photo, int) and 1 <= photo <= len(photos) else None
        out.append(
            FlawSeen(
                kind=FlawKind(kind) if kind in FlawKind._value2member_map_ else FlawKind.OTHER,
                location=(_text(item.get("location")) or "")[:120],
                severity=(
                    FlawSeverity(severity)
                    if severity in FlawSeverity._value2member_map_
                    else FlawSeverity.MINOR
                ),
                image_id=image_id,
            )
        )
    return out


def attributes_from(
    ref: Reference,
    data: dict[str, Any],
    *,
    group: str | None,
    fallback_category: str | None,
    fallback_confidence: float,
    lang: str,
) -> ItemAttributes:
    """``ItemAttributes`` from the detail answer ``data``; the category step's answer when it named none."""
    category = guess(ref, "category", data.get("category"), confidence(data, "category"), lang)
    leaves = {v.code for v in ref.leaves()}
    if category.reference_id not in leaves and fallback_category in leaves:
        category = guess(ref, "category", fallback_category, fallback_confidence, lang)
    group = ref.group_of(category.reference_id) or group
    details: dict[str, Guess | None] = {}
    for attribute in ATTRIBUTE_TYPES:
        if attribute in data:
            found = guess(ref, attribute, data.get(attribute), confidence(data, attribute), lang)
            details[attribute] = found if found.text is not None else None
    return ItemAttributes(
        category=category,
        brand=brand_guess(ref, data.get("brand"), confidence(data, "brand")),
        size=size_guess(ref, data.get("size"), data.get("size_label"), group, confidence(data, "size")),
        colours=colours_guess(ref, data.get("colours"), confidence(data, "colours")),
        materials=materials_guess(ref, data.get("materials"), confidence(data, "materials")),
        condition=condition_guess(ref, data.get("condition_score"), confidence(data, "condition_score")),
        gender=guess(ref, "gender", data.get("gender"), confidence(data, "gender"), lang),
        **details,
    )
