"""Catalog's reference data as ai-service reads it: a copy of catalog's committed data files.

The files change only with a catalog release (catalog seeds its tables from them by migration), so a copy
taken at build time is as fresh as a call to catalog, without a run-time dependency on it;
``scripts/sync_reference.py`` refreshes the copy and a test fails when it drifts. Nothing here is ever
written back: a brand the model names that is not in the list stays text (``matched: false``).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "fr", "de", "it", "es")
# The product attributes catalog keeps in ``attributes`` (its ATTRIBUTE_TYPES), in prompt order.
ATTRIBUTE_TYPES = (
    "fit",
    "pattern",
    "season",
    "neckline",
    "sleeve_length",
    "length",
    "rise",
    "closure",
    "stretch",
    "lining",
    "origin",
    "decade",
    "sport",
    "trend",
)
# Which of them a garment of each category group can show; the detail step asks only for these.
GROUP_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "tops": ("fit", "pattern", "season", "neckline", "sleeve_length", "length", "closure", "stretch",
             "origin", "decade", "trend"),
    "bottoms": ("fit", "pattern", "season", "length", "rise", "closure", "stretch", "origin", "decade",
                "trend"),
    "outerwear": ("fit", "pattern", "season", "neckline", "sleeve_length", "length", "closure", "lining",
                  "origin", "decade", "trend"),
    "dresses-jumpsuits": ("fit", "pattern", "season", "neckline", "sleeve_length", "length", "closure",
                          "stretch", "lining", "origin", "decade", "trend"),
    "formalwear": ("fit", "pattern", "season", "neckline", "closure", "lining", "origin", "decade", "trend"),
    "sportswear": ("fit", "pattern", "season", "sleeve_length", "length", "closure", "stretch", "sport",
                   "decade", "trend"),
    "nightwear-swimwear": ("pattern", "season", "sleeve_length", "length", "stretch", "decade", "trend"),
    "accessories": ("pattern", "closure", "origin", "decade", "trend"),
}  # fmt: skip


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: 'Sézane' and 'sezane' match."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@dataclass(frozen=True)
class Value:
    type: str
    code: str
    parent: str | None
    labels: dict[str, str]
    data: dict[str, Any]

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.code


@dataclass(frozen=True)
class Brand:
    code: str
    name: str
    aliases: tuple[str, ...]


@dataclass
class Reference:
    """Values by type and code, brands, and a fingerprint that changes with the data."""

    values: dict[str, dict[str, Value]] = field(default_factory=dict)
    brands: dict[str, Brand] = field(default_factory=dict)
    fingerprint: str = ""
    _brand_index: dict[str, str] = field(default_factory=dict)

    def codes(self, type_: str) -> list[str]:
        return list(self.values.get(type_, {}))

    def has(self, type_: str, code: str | None) -> bool:
        return code is not None and code in self.values.get(type_, {})

    def label(self, type_: str, code: str, lang: str = "en") -> str:
        value = self.values.get(type_, {}).get(code)
        return code if value is None else value.label(lang)

    def leaves(self, group: str | None = None) -> list[Value]:
        """Leaf categories (a product's category is always a leaf), of one group or all."""
        categories = self.values.get("category", {})
        parents = {v.parent for v in categories.values() if v.parent}
        return [
            v
            for v in categories.values()
            if v.code not in parents and (group is None or v.data.get("group") == group)
        ]

    def group_of(self, category: str | None) -> str | None:
        value = self.values.get("category", {}).get(category or "")
        return None if value is None else str(value.data.get("group") or value.code)

    def sizes(self, group: str | None = None) -> list[Value]:
        """Sizes valid for a category group (all of them when the group is unknown)."""
        return [
            v
            for v in self.values.get("size", {}).values()
            if group is None or group in v.data.get("groups", [])
        ]

    def attributes_for(self, group: str | None) -> tuple[str, ...]:
        """The attribute types a garment of ``group`` can show (all when the group is unknown)."""
        if group is None:
            return ATTRIBUTE_TYPES
        return GROUP_ATTRIBUTES.get(group, ATTRIBUTE_TYPES)

    def match_brand(self, text: str | None) -> Brand | None:
        """The known brand ``text`` names (its name or an alias, spelling-insensitive), else None."""
        if not text:
            return None
        key = normalise(text)
        code = self._brand_index.get(key) or self._brand_index.get(key.replace(" ", ""))
        return None if code is None else self.brands[code]

    def match_value(self, type_: str, text: str | None) -> Value | None:
        """The value of ``type_`` whose code or a label (any language) is ``text``."""
        if not text:
            return None
        values = self.values.get(type_, {})
        if text in values:
            return values[text]
        key = normalise(text)
        for value in values.values():
            if key == normalise(value.code) or any(
                key == normalise(label) for label in value.labels.values()
            ):
                return value
        return None


def _read(name: str) -> tuple[list[dict[str, Any]], bytes]:
    raw = (DATA_DIR / name).read_bytes()
    rows: list[dict[str, Any]] = json.loads(raw)
    return rows, raw


@cache
def reference() -> Reference:
    """The reference data, loaded once per process (it changes only with a release)."""
    values, raw_values = _read("values.json")
    brands, raw_brands = _read("brands.json")
    ref = Reference(fingerprint=hashlib.sha256(raw_values + raw_brands).hexdigest()[:12])
    for row in sorted(values, key=lambda r: (r["type"], r["position"])):
        ref.values.setdefault(row["type"], {})[row["code"]] = Value(
            row["type"], row["code"], row["parent"], dict(row["labels"]), dict(row["data"])
        )
    for row in brands:
        brand = Brand(row["code"], row["name"], tuple(row["aliases"]))
        ref.brands[brand.code] = brand
        for name in (brand.name, *brand.aliases):
            ref._brand_index.setdefault(normalise(name), brand.code)
            ref._brand_index.setdefault(normalise(name).replace(" ", ""), brand.code)
    return ref
