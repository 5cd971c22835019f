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


def load(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return rows


def seed(conn: Connection) -> None:
    """Upsert every value, brand and mapping from the data files."""
    values = load("values")
    stmt = insert(ReferenceValue).values(values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["type", "code"],
            set_={c: stmt.excluded[c] for c in ("parent", "position", "labels", "data")},
        )
    )
    brands = [
        {
            "code": b["code"],
            "name": b["name"],
            "aliases": b["aliases"],
            "search_text": "|".join(normalise(n) for n in [b["name"], *b["aliases"]]),
        }
        for b in load("brands")
    ]
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
        )
    )
