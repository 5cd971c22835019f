"""A small seller taxonomy (clothing, shoes, bags, accessories) in Etsy's ``SellerTaxonomyNode`` shape.

The leaves are the ids catalog-service's reference data maps its categories to (Etsy's mapping), so a
product published through the fleet lands on a leaf; the parents' ids are the sandbox's own. An adapter
reads them from getSellerTaxonomyNodes or maps them by configuration, never by hard-coding.
"""

from __future__ import annotations

from typing import Any

# (id, name, children); tests/test_taxonomy.py checks catalog's Etsy ids are leaves here.
_TREE: list[tuple[int, str, list[Any]]] = [
    (
        374,
        "Clothing",
        [
            (
                2100,
                "Tops",
                [
                    (448, "T-shirts", []),
                    (449, "Shirts & Blouses", []),
                    (2188, "Sweaters & Hoodies", []),
                ],
            ),
            (
                2101,
                "Bottoms",
                [
                    (439, "Trousers & Jeans", []),
                    (442, "Shorts", []),
                    (443, "Skirts", []),
                    (440, "Leggings", []),
                ],
            ),
            (2102, "Outerwear", [(434, "Jackets & Coats", [])]),
            (
                2103,
                "Dresses & One-Pieces",
                [(2053, "Dresses", []), (2054, "Jumpsuits & Rompers", []), (445, "Suits", [])],
            ),
            (2104, "Sleepwear & Swimwear", [(2180, "Sleepwear & Loungewear", []), (2182, "Swimwear", [])]),
        ],
    ),
    (
        1429,
        "Shoes",
        [
            (1430, "Women's Shoes", [(1431, "Boots", []), (1435, "Sneakers & Athletic Shoes", [])]),
            (1446, "Men's Shoes", [(1447, "Boots", []), (1451, "Sneakers & Athletic Shoes", [])]),
        ],
    ),
    (
        132,
        "Bags & Purses",
        [(145, "Handbags", []), (140, "Backpacks", []), (2155, "Wallets & Money Clips", [])],
    ),
    (
        1,
        "Accessories",
        [(27, "Hats & Caps", []), (62, "Scarves & Wraps", []), (77, "Belts & Suspenders", [])],
    ),
]


def _node(entry: tuple[int, str, list[Any]], parent: list[int]) -> dict[str, Any]:
    node_id, name, children = entry
    path = [*parent, node_id]
    return {
        "id": node_id,
        "level": len(parent),
        "name": name,
        "parent_id": parent[-1] if parent else None,
        "children": [_node(child, path) for child in children],
        "full_path_taxonomy_ids": path,
    }


NODES: list[dict[str, Any]] = [_node(entry, []) for entry in _TREE]


def _walk(nodes: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for node in nodes:
        found[node["id"]] = node
        found.update(_walk(node["children"]))
    return found


BY_ID: dict[int, dict[str, Any]] = _walk(NODES)
