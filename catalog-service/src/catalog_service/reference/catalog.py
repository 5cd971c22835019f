"""The reference data in memory: it changes only by migration, so each process loads it once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.engine import Database

from catalog_service.models import Brand, MarketplaceMappingRow, ReferenceValue

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


@dataclass(frozen=True)
class Mapping:
    external_id: str
    data: dict[str, Any]


@dataclass
class ReferenceCatalog:
    """Every value by type and code, brands by code, and marketplace mappings."""

    values: dict[str, dict[str, Value]] = field(default_factory=dict)
    brands: dict[str, BrandInfo] = field(default_factory=dict)
    mappings: dict[tuple[str, str, str, str, str], Mapping] = field(default_factory=dict)

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

    def label(self, type_: str, code: str, lang: str = "en") -> str:
        value = self.values.get(type_, {}).get(code)
        return code if value is None else value.labels.get(lang, code)


async def load_catalog(session: AsyncSession) -> ReferenceCatalog:
    """Read every reference table."""
    catalog = ReferenceCatalog()
    for row in (await session.scalars(sa.select(ReferenceValue))).all():
        catalog.values.setdefault(row.type, {})[row.code] = Value(
            row.type, row.code, row.parent, row.position, dict(row.labels), dict(row.data)
        )
    for brand in (await session.scalars(sa.select(Brand))).all():
        catalog.brands[brand.code] = BrandInfo(brand.code, brand.name, list(brand.aliases))
    for m in (await session.scalars(sa.select(MarketplaceMappingRow))).all():
        catalog.mappings[(m.marketplace, m.kind, m.code, m.gender, m.site)] = Mapping(
            m.external_id, dict(m.data)
        )
    return catalog


class ReferenceCache:
    """Loads the catalog on first use (after a migration a restart picks up new data)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._catalog: ReferenceCatalog | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> ReferenceCatalog:
        if self._catalog is None:
            async with self._lock:
                if self._catalog is None:
                    async with self.db.session() as session:
                        self._catalog = await load_catalog(session)
        return self._catalog
