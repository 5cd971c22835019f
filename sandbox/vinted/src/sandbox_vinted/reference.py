"""Vinted's reference answers as the stand-in gives them: the catalog tree, brands, colours, conditions,
size groups and package sizes, in the shapes of reference/external-apis.md §3.3.

The ids are Vinted-like (clothing catalogs under Women 1904 and Men 5; status ids 6/1/2/3/4; package sizes
1/2/3) but are not claimed to be Vinted's own beyond the ones the reference names. Brands: a fixed head of
well-known names, then 60,000 generated deterministically, as many as Vinted has: the whole list is about
5 MB, far over the relay's 1 MB Socket.IO message, so a plugin can only answer it in parts.
"""

from __future__ import annotations

import random
from typing import Any

# --- size groups ---------------------------------------------------------------------------------------

WOMEN_LETTER, WOMEN_WAIST, MEN_LETTER, MEN_WAIST, ONE_SIZE = 4, 5, 2, 3, 6


def _group(gid: int, title: str, first_id: int, titles: list[str]) -> dict[str, Any]:
    sizes = [{"id": first_id + n, "title": t, "order": n} for n, t in enumerate(titles)]
    return {"id": gid, "title": title, "caption": title, "sizes": sizes}


_WAISTS = [f"W{n}" for n in range(24, 41)]
SIZE_GROUPS: list[dict[str, Any]] = [
    _group(
        WOMEN_LETTER,
        "Women · letter / EU / UK",
        1,
        [
            "XXS / 32 / 4",
            "XS / 34 / 6",
            "S / 36 / 8",
            "M / 38 / 10",
            "L / 40 / 12",
            "XL / 42 / 14",
            "XXL / 44 / 16",
            "3XL / 46 / 18",
            "4XL / 48 / 20",
            "5XL / 50 / 22",
            "6XL / 52 / 24",
        ],
    ),
    _group(WOMEN_WAIST, "Women · jeans (waist)", 1226, _WAISTS),
    _group(
        MEN_LETTER,
        "Men · letter / EU",
        204,
        ["XXS / 42", "XS / 44", "S / 46", "M / 48", "L / 50", "XL / 52", "XXL / 54", "3XL / 56"],
    ),
    _group(MEN_WAIST, "Men · trousers and jeans (waist)", 1620, _WAISTS),
    _group(ONE_SIZE, "One size", 1000, ["One size"]),
]

# --- the catalog tree ----------------------------------------------------------------------------------


def _leaf(cid: int, title: str, groups: list[int]) -> dict[str, Any]:
    return {"id": cid, "title": title, "code": title.upper().replace(" ", "_"), "size_group_ids": groups}


def _node(cid: int, title: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": cid, "title": title, "code": title.upper().replace(" ", "_"), "catalogs": children}


_W_TOP, _W_BOTTOM = [WOMEN_LETTER], [WOMEN_WAIST, WOMEN_LETTER]
_M_TOP, _M_BOTTOM = [MEN_LETTER], [MEN_WAIST, MEN_LETTER]
CATALOGS: list[dict[str, Any]] = [
    _node(
        1904,
        "Women",
        [
            _node(
                4,
                "Clothing",
                [
                    _leaf(1037, "Coats and jackets", _W_TOP),
                    _leaf(13, "Jumpers and sweaters", _W_TOP),
                    _leaf(1810, "Hoodies and sweatshirts", _W_TOP),
                    _node(
                        12,
                        "Tops and t-shirts",
                        [_leaf(221, "T-shirts", _W_TOP), _leaf(1043, "Shirts and blouses", _W_TOP)],
                    ),
                    _leaf(10, "Dresses", _W_TOP),
                    _leaf(1035, "Jumpsuits and playsuits", _W_TOP),
                    _leaf(11, "Skirts", _W_TOP),
                    _node(
                        1804,
                        "Trousers and leggings",
                        [_leaf(9, "Trousers", _W_BOTTOM), _leaf(525, "Leggings", _W_BOTTOM)],
                    ),
                    _leaf(183, "Jeans", _W_BOTTOM),
                    _leaf(15, "Shorts", _W_BOTTOM),
                    _leaf(8, "Suits and blazers", _W_TOP),
                    _node(
                        73,
                        "Activewear",
                        [
                            _leaf(579, "Outerwear", _W_TOP),
                            _leaf(580, "Tops", _W_TOP),
                            _leaf(581, "Trousers", _W_BOTTOM),
                            _leaf(582, "Shorts", _W_BOTTOM),
                            _leaf(583, "Tracksuits", _W_TOP),
                        ],
                    ),
                    _leaf(1779, "Sleepwear", _W_TOP),
                    _leaf(28, "Swimwear", _W_TOP),
                ],
            ),
            _node(1187, "Accessories", [_leaf(1784, "Wallets", [ONE_SIZE])]),
        ],
    ),
    _node(
        5,
        "Men",
        [
            _node(
                2050,
                "Clothing",
                [
                    _leaf(257, "Jeans", _M_BOTTOM),
                    _leaf(34, "Trousers", _M_BOTTOM),
                    _leaf(80, "Shorts", _M_BOTTOM),
                    _node(
                        76,
                        "Tops and t-shirts",
                        [
                            _leaf(77, "T-shirts", _M_TOP),
                            _leaf(536, "Shirts", _M_TOP),
                            _leaf(1806, "Polo shirts", _M_TOP),
                        ],
                    ),
                    _leaf(79, "Jumpers and sweaters", _M_TOP),
                    _leaf(267, "Hoodies and sweatshirts", _M_TOP),
                    _leaf(1206, "Coats and jackets", _M_TOP),
                    _leaf(32, "Suits and blazers", _M_TOP),
                    _node(
                        30,
                        "Activewear",
                        [
                            _leaf(573, "Outerwear", _M_TOP),
                            _leaf(574, "Tops", _M_TOP),
                            _leaf(575, "Trousers", _M_BOTTOM),
                            _leaf(576, "Shorts", _M_BOTTOM),
                            _leaf(577, "Tracksuits", _M_TOP),
                        ],
                    ),
                    _leaf(1778, "Sleepwear", _M_TOP),
                    _leaf(84, "Swimwear", _M_TOP),
                ],
            ),
            _node(82, "Accessories", [_leaf(94, "Wallets", [ONE_SIZE])]),
        ],
    ),
]


def leaves(nodes: list[dict[str, Any]] | None = None) -> dict[int, dict[str, Any]]:
    """Every leaf catalog by id (an item can only be listed in a leaf)."""
    found: dict[int, dict[str, Any]] = {}
    for node in CATALOGS if nodes is None else nodes:
        if node.get("catalogs"):
            found.update(leaves(node["catalogs"]))
        else:
            found[node["id"]] = node
    return found


LEAVES = leaves()

# --- colours, conditions, package sizes ------------------------------------------------------------------

_COLOURS = [
    (1, "Black", "000000"),
    (2, "Brown", "663300"),
    (3, "Grey", "919191"),
    (4, "Beige", "F4E0C8"),
    (5, "Pink", "FF0080"),
    (6, "Purple", "800080"),
    (7, "Red", "CC3300"),
    (8, "Yellow", "FFFF00"),
    (9, "Blue", "007BC4"),
    (10, "Green", "369A3D"),
    (11, "Orange", "FFA500"),
    (12, "White", "FFFFFF"),
    (13, "Silver", "D6D6D6"),
    (14, "Gold", "FFD700"),
    (15, "Multicolour", ""),
    (16, "Khaki", "86814A"),
    (17, "Turquoise", "B7DEE8"),
    (20, "Cream", "F4E9C8"),
    (21, "Apricot", "FFCC99"),
    (22, "Coral", "FF6F61"),
    (23, "Burgundy", "800000"),
    (24, "Rose", "FFE4E1"),
    (25, "Lilac", "D1B3E0"),
    (26, "Light blue", "ADD8E6"),
    (27, "Navy", "000080"),
    (28, "Dark green", "006400"),
    (29, "Mustard", "E1AD01"),
    (30, "Mint", "98FF98"),
    (31, "Clear", ""),
]
COLORS: list[dict[str, Any]] = [
    {"id": i, "title": t, "hex": h, "order": n, "code": t.upper().replace(" ", "_")}
    for n, (i, t, h) in enumerate(_COLOURS)
]
CONDITIONS: list[dict[str, Any]] = [
    {"id": 6, "title": "New with tags", "explanation": "A brand-new, unused item with tags attached"},
    {"id": 1, "title": "New without tags", "explanation": "A brand-new, unused item without tags"},
    {"id": 2, "title": "Very good", "explanation": "A lightly used item that may have slight imperfections"},
    {"id": 3, "title": "Good", "explanation": "A used item that may show imperfections and signs of wear"},
    {"id": 4, "title": "Satisfactory", "explanation": "A frequently used item with imperfections"},
]
_PACKAGES = [
    (1, "Small", "For items that would fit in a large envelope", "up to 2 kg"),
    (2, "Medium", "For items that would fit in a shoe box", "up to 5 kg"),
    (3, "Large", "For items that would fit in a moving box", "up to 10 kg"),
]
# Heavier clothes default to a medium parcel.
_MEDIUM = {1037, 1206, 8, 32, 579, 573}


def package_sizes(catalog_id: int) -> list[dict[str, Any]]:
    recommended = 2 if catalog_id in _MEDIUM else 1
    return [
        {
            "id": i,
            "title": t,
            "code": t.lower(),
            "description": d,
            "weight": w,
            "is_recommended": i == recommended,
        }
        for i, t, d, w in _PACKAGES
    ]


# --- brands ------------------------------------------------------------------------------------------------

_KNOWN = [
    (53, "Levi's"),
    (12, "Zara"),
    (7, "H&M"),
    (14, "Nike"),
    (2, "Adidas"),
    (2239, "Uniqlo"),
    (15, "Mango"),
    (88, "Ralph Lauren"),
    (94, "Tommy Hilfiger"),
    (2319, "The North Face"),
    (1492, "Patagonia"),
    (362, "Carhartt"),
    (304, "Lacoste"),
    (567, "Gucci"),
    (3573, "Prada"),
    (417, "Louis Vuitton"),
    (481, "Chanel"),
    (1037, "Dior"),
    (364, "Burberry"),
    (1098, "Sandro"),
    (1108, "Maje"),
    (190743, "Sézane"),
    (1209, "Comptoir des Cotonniers"),
    (1322, "Petit Bateau"),
    (38, "Kiabi"),
    (141, "Promod"),
    (13, "Pull & Bear"),
    (18, "Bershka"),
    (16, "Stradivarius"),
    (65, "Massimo Dutti"),
    (1417, "COS"),
    (73606, "& Other Stories"),
    (304917, "Arket"),
    (527, "Superdry"),
    (32, "Guess"),
    (255, "Calvin Klein"),
    (260, "Hugo Boss"),
    (161, "Diesel"),
    (2368, "Armani"),
    (297, "Benetton"),
    (139, "Vans"),
    (71, "Converse"),
    (535, "Puma"),
    (227, "Reebok"),
    (1775, "New Balance"),
    (1451, "Champion"),
    (1023, "Fila"),
    (1398, "Dr. Martens"),
    (105, "Desigual"),
    (130, "Naf Naf"),
    (127, "Celio"),
    (183, "Jack & Jones"),
    (86, "Only"),
    (83, "Vero Moda"),
    (107, "Esprit"),
    (359, "s.Oliver"),
    (688, "Marc O'Polo"),
    (123, "ASOS"),
    (4, "Primark"),
    (1101, "Kenzo"),
    (5681, "Stone Island"),
    (11445, "Acne Studios"),
    (2703, "Moncler"),
    (4127, "Barbour"),
    (1903, "Timberland"),
    (2526, "Columbia"),
    (22, "Tally Weijl"),
    (78, "Vila"),
]
_FIRST = ["Maison", "Atelier", "Studio", "Casa", "House of", "Les", "Nord", "Blue", "Petite", "Urban", "Wild",
          "Golden", "Silver", "Little", "Grand", "Old", "New", "Bella", "Alpine", "Coastal", "Velvet", "Linen",
          "Oak", "Rosa", "Marine", "Pine", "Sunny", "Iron", "Cotton", "Wool"]  # fmt: skip
_SECOND = ["Lune", "Rivière", "Fox", "Garden", "Harbor", "Meadow", "Stone", "Thread", "Loom", "Field", "Wave",
           "Bloom", "Anchor", "Hill", "Brook", "Sparrow", "Willow", "Canyon", "Ember", "Frost", "Atlas", "Echo",
           "Nova", "Orchid", "Pearl", "Quartz", "Raven", "Sage", "Tide", "Vale", "Wren", "Yarrow", "Zephyr",
           "Cedar", "Dune", "Fern", "Grove", "Ivy", "Juniper", "Kite"]  # fmt: skip
_THIRD = ["", " Paris", " Milano", " Studio", " Denim", " Kids", " Sport", " Collective", " & Co", " Basics",
          " London", " Berlin", " Madrid", " Roma", " Wien", " Oslo", " Lisboa", " Dublin", " Praha", " Lyon",
          " Vintage", " Atelier", " Label", " Knitwear", " Leather", " Outdoor", " Active", " Home", " Mini",
          " Homme", " Femme", " Club", " Works", " Supply", " Goods", " Tailors", " Heritage", " Edition",
          " Original", " Select", " Classic", " Modern", " Nomad", " Coast", " Mountain", " Island", " City",
          " Garage", " Society", " Lab"]  # fmt: skip
GENERATED_BRANDS = len(_FIRST) * len(_SECOND) * len(_THIRD)  # 60,000


def _generated(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20260101)  # the same brands on every start
    names = [f"{a} {b}{c}" for a in _FIRST for b in _SECOND for c in _THIRD]
    rng.shuffle(names)
    return [{"id": 400000 + n, "title": name} for n, name in enumerate(sorted(names[:count]))]


def _brand(b: dict[str, Any]) -> dict[str, Any]:
    # The fields an item form reads.
    slug = "".join(c if c.isalnum() else "-" for c in b["title"].lower()).strip("-")
    return {"id": b["id"], "title": b["title"], "slug": slug, "item_count": (b["id"] * 104729) % 900000}


BRANDS: list[dict[str, Any]] = [_brand({"id": i, "title": t}) for i, t in _KNOWN] + [
    _brand(b) for b in _generated(GENERATED_BRANDS)
]


def find_brands(keyword: str) -> list[dict[str, Any]]:
    """Brands whose title contains ``keyword`` (case aside); every brand when it is empty."""
    needle = keyword.strip().lower()
    return [b for b in BRANDS if needle in b["title"].lower()] if needle else list(BRANDS)


def size_groups_for(catalog_ids: list[int]) -> list[dict[str, Any]]:
    """The size groups of these catalogs (every group when none is named)."""
    if not catalog_ids:
        return SIZE_GROUPS
    wanted = {g for c in catalog_ids for g in LEAVES.get(c, {}).get("size_group_ids", [])}
    return [g for g in SIZE_GROUPS if g["id"] in wanted]


BRAND_IDS = frozenset(b["id"] for b in BRANDS)


class UnknownCatalog(LookupError):
    """A catalog id that is not a leaf of the tree (Vinted answers 404)."""


def answer(what: str, *, catalog_id: str = "", keyword: str = "", catalog_ids: str = "") -> dict[str, Any]:
    """The body Vinted gives for reference list ``what``: ``{what: [...]}`` (brands with
    ``disable_custom_brands``); ``UnknownCatalog`` when a ``catalog_id`` given is not a leaf."""
    if catalog_id and int(catalog_id) not in LEAVES:
        raise UnknownCatalog(catalog_id)
    lists: dict[str, Any] = {
        "catalogs": lambda: CATALOGS,
        "brands": lambda: find_brands(keyword),
        "colors": lambda: COLORS,
        "conditions": lambda: CONDITIONS,
        "size_groups": lambda: size_groups_for([int(c) for c in catalog_ids.split(",") if c.strip()]),
        "package_sizes": lambda: package_sizes(int(catalog_id)),
    }
    body: dict[str, Any] = {what: lists[what]()}
    return body | {"disable_custom_brands": False} if what == "brands" else body
