"""Loads the committed reference data files into ``shared`` (an upsert, so a later migration can re-run it)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from catalog_service.models import Brand, MarketplaceMappingRow, ReferenceValue

DATA_DIR = Path(__file__).resolve().parent / "data"


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: 'Sézane' and 'sezane' match."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def brand_row(code: str, name: str, aliases: list[str]) -> dict[str, Any]:
    """A ``shared.brands`` row: ``search_text`` is the name and aliases normalised, joined by '|'."""
    return {
        "code": code,
        "name": name,
        "aliases": aliases,
        "search_text": "|".join(normalise(n) for n in [name, *aliases]),
    }


def unique_code(name: str, taken: set[str], suffix: object) -> str:
    """A brand code from ``name`` ('Sézane' → 'sezane'), ``-<suffix>`` added when it is taken already."""
    code = (normalise(name).replace(" ", "-") or "brand")[:70]
    return code if code not in taken else f"{code}-{suffix}"[:80]


def load(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return rows


def seed(conn: Connection) -> None:
    """Upsert every value, brand and mapping from the data files (mappings Vinted answered are kept)."""
    values = load("values")
    stmt = insert(ReferenceValue).values(values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["type", "code"],
            set_={c: stmt.excluded[c] for c in ("parent", "position", "labels", "data")},
        )
    )
    brands = [brand_row(b["code"], b["name"], b["aliases"]) for b in load("brands")]
    stmt_b = insert(Brand).values(brands)
    conn.execute(
        stmt_b.on_conflict_do_update(
            index_elements=["code"],
            set_={c: stmt_b.excluded[c] for c in ("name", "aliases", "search_text")},
        )
    )
    mappings = load("mappings")
    stmt_m = insert(MarketplaceMappingRow).values(mappings)
    conn.execute(
        stmt_m.on_conflict_do_update(
            index_elements=["marketplace", "kind", "code", "gender", "site"],
            set_={c: stmt_m.excluded[c] for c in ("external_id", "data")},
            # What Vinted itself answered (reference/vinted.py) outranks the committed seed.
            where=MarketplaceMappingRow.data["source"].astext.is_distinct_from("vinted"),
        )
    )
