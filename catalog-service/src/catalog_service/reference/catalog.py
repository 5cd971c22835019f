"""The reference data in memory: loaded once per process, and again when ``shared.reference_revision``
moves (a Vinted fetch or an accepted brand), which each process checks at most every few seconds."""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.engine import Database

from catalog_service.models import Brand, MarketplaceMappingRow, ReferenceRevision, ReferenceValue

LANGUAGES = ("en", "fr", "de", "it", "es")
# Types whose values a product stores in ``attributes`` (the prior system's clothing attributes).
ATTRIBUTE_TYPES = (
    "fit",
    "season",
    "pattern",
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


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


@dataclass(frozen=True)
class Value:
    type: str
    code: str
    parent: str | None
    position: int
    labels: dict[str, str]
    data: dict[str, Any]


@dataclass(frozen=True)
class BrandInfo:
    code: str
    name: str
    aliases: list[str]
    retired: bool = False


@dataclass(frozen=True)
class Mapping:
    external_id: str
    data: dict[str, Any]
    retired: bool = False  # the marketplace no longer offers the id: named at publish, not used


@dataclass
class ReferenceCatalog:
    """Every value by type and code, brands by code, and marketplace mappings."""

    values: dict[str, dict[str, Value]] = field(default_factory=dict)
    brands: dict[str, BrandInfo] = field(default_factory=dict)
    mappings: dict[tuple[str, str, str, str, str], Mapping] = field(default_factory=dict)
    _reverse: dict[tuple[str, str, str], list[tuple[str, str, str]]] | None = field(default=None, repr=False)
    _brand_names: dict[str, str] | None = field(default=None, repr=False)

    def has(self, type_: str, code: str) -> bool:
        return code in self.values.get(type_, {})

    def category_group(self, code: str) -> str | None:
        value = self.values.get("category", {}).get(code)
        return None if value is None else str(value.data.get("group"))

    def is_leaf(self, code: str) -> bool:
        return self.has("category", code) and not any(
            v.parent == code for v in self.values["category"].values()
        )

    def with_descendants(self, code: str) -> list[str]:
        """``code`` and every category below it."""
        children: dict[str | None, list[str]] = defaultdict(list)
        for value in self.values.get("category", {}).values():
            children[value.parent].append(value.code)
        found, todo = [], [code]
        while todo:
            current = todo.pop()
            found.append(current)
            todo.extend(children.get(current, []))
        return found

    def size(self, system: str, value: str) -> Value | None:
        return self.values.get("size", {}).get(f"{system}:{value}")

    def mapping(
        self, marketplace: str, kind: str, code: str, gender: str = "", site: str = ""
    ) -> Mapping | None:
        return self.mappings.get((marketplace, kind, code, gender, site))

    def reverse(self, marketplace: str, kind: str, external_id: str) -> list[tuple[str, str, str]]:
        """Our (code, gender, site) rows that map to ``external_id`` on ``marketplace`` (for imports)."""
        if self._reverse is None:
            index: dict[tuple[str, str, str], list[tuple[str, str, str]]] = defaultdict(list)
            for (m, k, code, gender, site), target in sorted(self.mappings.items()):
                index[(m, k, target.external_id)].append((code, gender, site))
            self._reverse = dict(index)
        return self._reverse.get((marketplace, kind, external_id), [])

    def brand_named(self, name: str) -> str | None:
        """The code of the brand called ``name`` (or one of its aliases), case and accents aside."""
        if self._brand_names is None:
            self._brand_names = {}
            for brand in self.brands.values():
                for text in (brand.name, *brand.aliases):
                    self._brand_names.setdefault(_fold(text), brand.code)
        return self._brand_names.get(_fold(name))

    def label(self, type_: str, code: str, lang: str = "en") -> str:
        value = self.values.get(type_, {}).get(code)
        return code if value is None else value.labels.get(lang, code)


async def load_catalog(session: AsyncSession) -> ReferenceCatalog:
    """Read every reference table, as plain rows: 60,000 brands and as many Vinted brand mappings load in a
    fraction of what ORM objects cost (seconds of a blocked event loop, once per Vinted part)."""
    catalog = ReferenceCatalog()
    v = ReferenceValue
    values = await session.execute(sa.select(v.type, v.code, v.parent, v.position, v.labels, v.data))
    for type_, code, parent, position, labels, data in values:
        catalog.values.setdefault(type_, {})[code] = Value(type_, code, parent, position, labels, data)
    # The driver gives text[] as a list already; SQLAlchemy's ARRAY would walk each one again (most of the cost).
    raw_aliases: sa.ColumnElement[Any] = sa.type_coerce(Brand.aliases, sa.types.NullType())
    brands = await session.execute(sa.select(Brand.code, Brand.name, raw_aliases, Brand.retired_at))
    catalog.brands = {
        code: BrandInfo(code, name, aliases, retired_at is not None)
        for code, name, aliases, retired_at in brands
    }
    m = MarketplaceMappingRow
    mappings = await session.execute(
        sa.select(m.marketplace, m.kind, m.code, m.gender, m.site, m.external_id, m.data, m.retired_at)
    )
    catalog.mappings = {
        (marketplace, kind, code, gender, site): Mapping(external_id, data, retired_at is not None)
        for marketplace, kind, code, gender, site, external_id, data, retired_at in mappings
    }
    return catalog


class ReferenceCache:
    """Loads the catalog on first use; reloads it when the revision row moved. The check is one primary-key
    read every ``check_every_s``; a reload reads every table (tens of thousands of brands: ~0.3 s), which
    only happens after reference data changed."""

    def __init__(self, db: Database, check_every_s: float = 2.0) -> None:
        self.db = db
        self.check_every_s = check_every_s
        self._catalog: ReferenceCatalog | None = None
        self._revision: int | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> ReferenceCatalog:
        if self._catalog is not None and time.monotonic() - self._checked < self.check_every_s:
            return self._catalog
        if self._catalog is not None and self._lock.locked():
            return self._catalog  # another request is checking or reloading: serve the copy we have meanwhile
        async with self._lock:
            if self._catalog is not None and time.monotonic() - self._checked < self.check_every_s:
                return self._catalog
            async with self.db.session() as session:
                revision = await session.scalar(
                    sa.select(ReferenceRevision.revision).where(ReferenceRevision.id == 1)
                )
                if self._catalog is None or revision != self._revision:
                    self._catalog = await load_catalog(session)
                    self._revision = revision
            self._checked = time.monotonic()
        return self._catalog

    def invalidate(self) -> None:
        """Check the revision on the next ``get`` (this process just changed it)."""
        self._checked = 0.0
