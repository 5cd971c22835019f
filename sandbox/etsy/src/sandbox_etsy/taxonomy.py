"""A small seller taxonomy (clothing, shoes, bags, accessories) in Etsy's ``SellerTaxonomyNode`` shape.

The ids look like Etsy's but are the sandbox's own: an adapter reads them from getSellerTaxonomyNodes
or maps them by configuration, never by hard-coding.
"""

from __future__ import annotations

from typing import Any

# (id, name, children)
_TREE: list[tuple[int, str, list[Any]]] = [
    (
        374,
        "Clothing",
        [
            (
                448,
                "Women's Clothing",
                [
                    (449, "Dresses", []),
                    (451, "Tops & Tees", []),
                    (458, "Jackets & Coats", []),
                    (462, "Jeans", []),
                    (466, "Skirts", []),
                    (470, "Sweaters", []),
                ],
            ),
            (
                429,
                "Men's Clothing",
                [
                    (430, "Shirts", []),
                    (434, "Jackets & Coats", []),
                    (438, "Jeans", []),
                    (440, "Sweaters", []),
                    (442, "Trousers", []),
                ],
            ),
            (408, "Unisex Adult Clothing", [(409, "Hoodies & Sweatshirts", []), (412, "T-shirts", [])]),
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
    (132, "Bags & Purses", [(145, "Handbags", []), (140, "Backpacks", [])]),
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
