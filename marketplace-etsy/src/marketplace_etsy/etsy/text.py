"""Etsy's rules for titles, tags and materials, applied by cleaning the text rather than failing on it.

Titles: letters, digits, punctuation, math symbols, spaces and ™©®; ``%``, ``:``, ``&`` and ``+`` once each;
140 characters. Tags: letters, digits, spaces, ``-``, ``'`` and ™©®; 13 of at most 20 characters.
Materials: letters, digits and spaces; 13 of at most 45 characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

TITLE_MAX = 140
TAGS_MAX, TAG_MAX_CHARS = 13, 20
MATERIALS_MAX, MATERIAL_MAX_CHARS = 13, 45
TRADEMARKS = "™©®"
# A second ``&`` or ``+`` reads as a separator, a second ``:`` as a dash; a second ``%`` is dropped.
REPEAT_REPLACEMENTS = {"&": "/", "+": "/", ":": " -", "%": ""}
_SPACES = re.compile(r"\s+")


def _category_ok(char: str, prefixes: tuple[str, ...], extra: str) -> bool:
    if char in extra:
        return True
    category = unicodedata.category(char)
    return any(category == p or (len(p) == 1 and category.startswith(p)) for p in prefixes)


def _keep(text: str, prefixes: tuple[str, ...], extra: str) -> str:
    """``text`` with every disallowed character turned into a space (so words stay apart)."""
    normalized = unicodedata.normalize("NFC", text)
    return "".join(c if _category_ok(c, prefixes, extra) else " " for c in normalized)


def _squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when there is one in the last third."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space >= limit * 2 // 3 else head).rstrip(" -/,;")


def listing_title(title: str) -> str:
    """A title Etsy accepts, as close to ``title`` as its rules allow."""
    kept = _keep(title, ("L", "Nd", "P", "Sm", "Zs"), TRADEMARKS)
    out: list[str] = []
    seen: set[str] = set()
    for char in kept:
        if char in REPEAT_REPLACEMENTS:
            if char in seen:
                out.append(REPEAT_REPLACEMENTS[char])
                continue
            seen.add(char)
        out.append(char)
    return _cut(_squeeze("".join(out)), TITLE_MAX)


def _words(
    values: Iterable[str], prefixes: tuple[str, ...], extra: str, most: int, longest: int
) -> list[str]:
    found: list[str] = []
    keys: set[str] = set()
    for value in values:
        cleaned = _cut(_squeeze(_keep(value.replace("_", " "), prefixes, extra)), longest)
        if cleaned and cleaned.lower() not in keys:
            keys.add(cleaned.lower())
            found.append(cleaned)
        if len(found) == most:
            break
    return found


def tags(values: Iterable[str]) -> list[str]:
    """At most 13 distinct tags of at most 20 allowed characters each (in the order given)."""
    return _words(values, ("L", "Nd", "Zs"), "-'" + TRADEMARKS, TAGS_MAX, TAG_MAX_CHARS)


def materials(values: Iterable[str]) -> list[str]:
    """At most 13 distinct materials of letters, digits and spaces."""
    return _words(
        (v.replace("-", " ") for v in values), ("L", "Nd", "Zs"), "", MATERIALS_MAX, MATERIAL_MAX_CHARS
    )
