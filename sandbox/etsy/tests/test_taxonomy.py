"""The stand-in's seller taxonomy against the Etsy ids catalog-service maps its categories to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sandbox_etsy.taxonomy import BY_ID, NODES

MAPPINGS = (
    Path(__file__).resolve().parents[3] / "catalog-service/src/catalog_service/reference/data/mappings.json"
)


def test_every_category_catalog_maps_to_is_a_leaf() -> None:
    rows = json.loads(MAPPINGS.read_text())
    ids = {int(r["external_id"]) for r in rows if r["marketplace"] == "etsy" and r["kind"] == "category"}
    assert ids, "catalog maps no category to Etsy"
    assert sorted(i for i in ids if i not in BY_ID) == []
    assert sorted(i for i in ids if BY_ID[i]["children"]) == []


def test_ids_are_unique_and_paths_consistent() -> None:
    seen: list[int] = []

    def walk(nodes: list[dict[str, Any]], parent: list[int]) -> None:
        for node in nodes:
            path = [*parent, node["id"]]
            assert node["full_path_taxonomy_ids"] == path
            assert node["level"] == len(parent)
            seen.append(node["id"])
            walk(node["children"], path)

    walk(NODES, [])
    assert len(seen) == len(set(seen)) == len(BY_ID)
