"""Etsy's listing rules, as its OpenAPI document states them (title, tags, materials, styles, enums)."""

from __future__ import annotations

import unicodedata

WHO_MADE = ("i_did", "someone_else", "collective")
WHEN_MADE = (
    "made_to_order", "2020_2026", "2010_2019", "2007_2009", "before_2007", "2000_2006", "1990s", "1980s",
    "1970s", "1960s", "1950s", "1940s", "1930s", "1920s", "1910s", "1900s", "1800s", "1700s", "before_1700",
)  # fmt: skip
LISTING_TYPES = ("physical", "download", "both")
WEIGHT_UNITS = ("oz", "lb", "g", "kg")
DIMENSION_UNITS = ("in", "ft", "mm", "cm", "m", "yd", "inches")
LISTING_STATES = ("active", "inactive", "sold_out", "draft", "expired")
TITLE_MAX = 140
TAGS_MAX, TAG_MAX_CHARS = 13, 20
MATERIALS_MAX, MATERIAL_MAX_CHARS = 13, 45
STYLES_MAX, STYLE_MAX_CHARS = 2, 45
QUANTITY_MAX = 999
PRICE_MIN, PRICE_MAX = 0.20, 50_000.0
ONCE_IN_TITLE = "%:&+"


def _ok(char: str, categories: tuple[str, ...], extra: str) -> bool:
    category = unicodedata.category(char)
    return char in extra or any(category == c or (len(c) == 1 and category.startswith(c)) for c in categories)


def title_problem(title: str) -> str | None:
    """``/[^\\p{L}\\p{Nd}\\p{P}\\p{Sm}\\p{Zs}™©®]/u`` finds nothing; %, :, & and + at most once each."""
    if not title.strip():
        return "Parameter 'title' must not be empty."
    if len(title) > TITLE_MAX:
        return f"Parameter 'title' must be at most {TITLE_MAX} characters long."
    bad = sorted({c for c in title if not _ok(c, ("L", "Nd", "P", "Sm", "Zs"), "™©®")})
    if bad:
        return f"Parameter 'title' contains characters that are not allowed: {' '.join(bad)}"
    repeated = [c for c in ONCE_IN_TITLE if title.count(c) > 1]
    if repeated:
        return "Parameter 'title' may use the %, :, & and + characters only once each (repeated: " + (
            " ".join(repeated) + ")."
        )
    return None


def words_problem(
    name: str, values: list[str], most: int, longest: int, categories: tuple[str, ...], extra: str
) -> str | None:
    if len(values) > most:
        return f"Parameter '{name}' accepts at most {most} values."
    for value in values:
        if len(value) > longest:
            return f"Parameter '{name}' has a value longer than {longest} characters: {value}"
        bad = sorted({c for c in value if not _ok(c, categories, extra)})
        if bad:
            return f"Parameter '{name}' has a value with characters that are not allowed: {value}"
    return None


def tags_problem(tags: list[str]) -> str | None:
    """``/[^\\p{L}\\p{Nd}\\p{Zs}\\-'™©®]/u``, at most 13 tags of 20 characters."""
    return words_problem("tags", tags, TAGS_MAX, TAG_MAX_CHARS, ("L", "Nd", "Zs"), "-'™©®")


def materials_problem(materials: list[str]) -> str | None:
    """``/[^\\p{L}\\p{Nd}\\p{Zs}]/u``."""
    return words_problem("materials", materials, MATERIALS_MAX, MATERIAL_MAX_CHARS, ("L", "Nd", "Zs"), "")


def styles_problem(styles: list[str]) -> str | None:
    """``/[^\\p{L}\\p{Nd}\\p{Zs}]/u``, at most two styles of 45 characters."""
    return words_problem("styles", styles, STYLES_MAX, STYLE_MAX_CHARS, ("L", "Nd", "Zs"), "")


def price_problem(name: str, price: float) -> str | None:
    if price <= 0:
        return f"Parameter '{name}' must be greater than 0."
    if not PRICE_MIN <= price <= PRICE_MAX:
        return f"Parameter '{name}' must be between {PRICE_MIN:.2f} and {PRICE_MAX:.2f}."
    return None
