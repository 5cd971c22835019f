"""Taxonomy API (``/commerce/taxonomy/v1``): the default category tree of a site, category suggestions for
a query, and the item aspects of a leaf category — the clothing subtrees of the eight EU sites
(``data/taxonomy.json``, built by ``scripts/build_taxonomy.py`` from eBay's own subtrees).

Suggestions: the query's words matched against each leaf's name (and, for less, its ancestors' names), in the
site's language, accents and case ignored, a word matching another's start (``veste`` ~ ``vestes``); best
first, at most 10, each with its ancestors as eBay gives them. Aspects: the sandbox's reading of what eBay
asks for clothing — brand and size required, department, colour, material, type and style recommended — with
each name in the site's language, as ``localizedAspectName``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request

from sandbox_ebay.deps import AppToken
from sandbox_ebay.errors import EbayError, error_item

router = APIRouter(prefix="/commerce/taxonomy/v1", tags=["taxonomy"])
TREES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "taxonomy.json").read_text(encoding="utf-8")
)
TREE_SITE = {tree["tree_id"]: site for site, tree in TREES.items()}
LANG = {
    "EBAY_FR": "fr", "EBAY_BE": "fr", "EBAY_GB": "en", "EBAY_DE": "de", "EBAY_ES": "es", "EBAY_IT": "it",
    "EBAY_NL": "nl", "EBAY_PL": "pl",
}  # fmt: skip
# (English name, required, values offered) → the name per language.
ASPECTS: list[tuple[str, bool, dict[str, str]]] = [
    ("Brand", True, {"fr": "Marque", "de": "Marke", "es": "Marca", "it": "Marca", "nl": "Merk", "pl": "Marka"}),
    ("Size", True, {"fr": "Taille", "de": "Größe", "es": "Talla", "it": "Taglia", "nl": "Maat", "pl": "Rozmiar"}),
    ("Department", False, {"fr": "Département", "de": "Abteilung", "es": "Departamento", "it": "Reparto", "nl": "Afdeling", "pl": "Dział"}),
    ("Colour", False, {"fr": "Couleur", "de": "Farbe", "es": "Color", "it": "Colore", "nl": "Kleur", "pl": "Kolor"}),
    ("Material", False, {"fr": "Matière", "de": "Material", "es": "Material", "it": "Materiale", "nl": "Materiaal", "pl": "Materiał"}),
    ("Type", False, {"fr": "Type", "de": "Produktart", "es": "Tipo", "it": "Tipo", "nl": "Type", "pl": "Typ"}),
    ("Style", False, {"fr": "Style", "de": "Stil", "es": "Estilo", "it": "Stile", "nl": "Stijl", "pl": "Styl"}),
]  # fmt: skip
DEPARTMENTS = {
    "en": ["Men", "Women", "Unisex Adults", "Boys", "Girls"],
    "fr": ["Homme", "Femme", "Unisexe adulte", "Garçon", "Fille"],
    "de": ["Herren", "Damen", "Unisex Erwachsene", "Jungen", "Mädchen"],
    "es": ["Hombre", "Mujer", "Unisex adulto", "Niño", "Niña"],
    "it": ["Uomo", "Donna", "Unisex adulto", "Bambino", "Bambina"],
    "nl": ["Heren", "Dames", "Uniseks volwassenen", "Jongens", "Meisjes"],
    "pl": ["Mężczyźni", "Kobiety", "Uniseks dla dorosłych", "Chłopcy", "Dziewczęta"],
}
MAX_SUGGESTIONS = 10


def _bad(message: str, ref: str) -> EbayError:
    return EbayError(400, error_item(62004, message, domain="API_TAXONOMY", input_refs=[ref]))


def _tree(tree_id: str) -> tuple[str, dict[str, Any]]:
    site = TREE_SITE.get(tree_id)
    if site is None:
        raise EbayError(
            404, error_item(62004, "The specified category tree ID was not found.", domain="API_TAXONOMY")
        )
    return site, TREES[site]


def fold(text: str) -> str:
    """Lower case, accents removed."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", fold(text)) if len(w) >= 3]


def _hit(word: str, candidates: list[str]) -> bool:
    return any(
        c == word or (min(len(c), len(word)) >= 4 and (c.startswith(word) or word.startswith(c)))
        for c in candidates
    )


def ancestors(tree: dict[str, Any], category_id: str) -> list[str]:
    """The ids above ``category_id``, nearest first."""
    out, parent = [], tree["categories"][category_id][1]
    while parent and parent in tree["categories"]:
        out.append(parent)
        parent = tree["categories"][parent][1]
    return out


@cache
def _leaf_words(site: str) -> list[tuple[str, list[str], list[str]]]:
    """(leaf id, words of its name, words of its ancestors' names) of every leaf of ``site``."""
    tree = TREES[site]
    return [
        (cid, words(row[0]), [w for a in ancestors(tree, cid) for w in words(tree["categories"][a][0])])
        for cid, row in tree["categories"].items()
        if row[2]
    ]


def suggest(site: str, q: str) -> list[tuple[str, float]]:
    """(leaf id, score) best first: two points per query word in the leaf's name, one in an ancestor's."""
    asked = words(q)
    scored = []
    for cid, own, above in _leaf_words(site):
        score = sum(2.0 if _hit(w, own) else 1.0 if _hit(w, above) else 0.0 for w in asked)
        if any(_hit(w, own) for w in asked):
            # fewer extra words in the name, a shallower branch (not vintage, costumes…): closer
            scored.append((cid, score - 0.01 * len(own) - 0.005 * len(above)))
    scored.sort(key=lambda x: (-x[1], int(x[0])))
    return scored[:MAX_SUGGESTIONS]


def _node(tree: dict[str, Any], tree_id: str, cid: str, level: int) -> dict[str, Any]:
    return {
        "categoryId": cid,
        "categoryName": tree["categories"][cid][0],
        "categoryTreeNodeLevel": level,
        "categorySubtreeNodeHref": f"/commerce/taxonomy/v1/category_tree/{tree_id}/get_category_subtree?category_id={cid}",
    }


@router.get("/get_default_category_tree_id")
async def default_tree(_: AppToken, marketplace_id: str = Query(default="")) -> dict[str, str]:
    tree = TREES.get(marketplace_id)
    if tree is None:
        raise _bad(f"The marketplace ID '{marketplace_id}' is not supported.", "marketplace_id")
    return {"categoryTreeId": tree["tree_id"], "categoryTreeVersion": "1"}


@router.get("/category_tree/{tree_id}/get_category_suggestions")
async def category_suggestions(tree_id: str, request: Request, _: AppToken) -> dict[str, Any]:
    site, tree = _tree(tree_id)
    q = request.query_params.get("q", "").strip()
    if not q:
        raise _bad("The q parameter is required.", "q")
    out = []
    for cid, score in suggest(site, q):
        above = ancestors(tree, cid)
        depth = len(above) + 1
        out.append(
            {
                "category": {"categoryId": cid, "categoryName": tree["categories"][cid][0]},
                "categoryTreeNodeAncestors": [
                    _node(tree, tree_id, a, depth - n - 1) for n, a in enumerate(above)
                ],
                "categoryTreeNodeLevel": depth,
                "relevancy": "HIGH" if score >= 2 * len(words(q)) - 1 else "MEDIUM",
            }
        )
    return {"categorySuggestions": out, "categoryTreeId": tree_id, "categoryTreeVersion": "1"}


@router.get("/category_tree/{tree_id}/get_item_aspects_for_category")
async def item_aspects(tree_id: str, _: AppToken, category_id: str = Query(default="")) -> dict[str, Any]:
    site, tree = _tree(tree_id)
    row = tree["categories"].get(category_id)
    if row is None:
        raise _bad(f"The category ID '{category_id}' is invalid.", "category_id")
    if not row[2]:
        raise _bad(f"The category ID '{category_id}' is not a leaf category.", "category_id")
    lang = LANG[site]
    aspects = []
    for english, required, names in ASPECTS:
        aspect: dict[str, Any] = {
            "localizedAspectName": names.get(lang, english),
            "aspectConstraint": {
                "aspectDataType": "STRING",
                "aspectEnabledForVariations": english in ("Size", "Colour"),
                "aspectMode": "FREE_TEXT",
                "aspectRequired": required,
                "aspectUsage": "RECOMMENDED",
                "itemToAspectCardinality": "MULTI" if english in ("Colour", "Material") else "SINGLE",
            },
        }
        if english == "Department":
            aspect["aspectValues"] = [{"localizedValue": v} for v in DEPARTMENTS[lang]]
        aspects.append(aspect)
    return {"aspects": aspects}
