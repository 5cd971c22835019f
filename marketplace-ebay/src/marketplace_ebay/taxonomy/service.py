"""Taxonomy calls (application token), cached per site and per (site, category) for ``taxonomy_cache_ttl_s``.

Suggestions are read each time (the query varies); the default tree id of a site and a category's aspects
are cached. A required aspect is present when the listing names it with eBay's localized name (case and
surrounding spaces ignored) and gives it a non-empty value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from vitrine_contracts.catalog import MarketplaceMapping
from vitrine_kit.errors import ProblemError
from vitrine_marketplace import MarketplaceError, MarketplaceRejected

from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import SITES, _rejected
from marketplace_ebay.errors import EbayRejected, EbayUnavailable, UnknownSite
from marketplace_ebay.taxonomy.schemas import (
    AspectOut,
    AspectsOut,
    CategorySuggestion,
    CategorySuggestionsOut,
)

BASE = "/commerce/taxonomy/v1"


class CategoryUnknown(ProblemError):
    status, code, title = 422, "category-invalid", "eBay has no such leaf category on this site"


class AspectsMissing(ProblemError):
    status, code, title = 422, "aspects-missing", "eBay requires item specifics this listing does not have"


def _site(ctx: EbayContext, site: str | None) -> str:
    site = site or ctx.settings.default_site
    if site not in SITES:
        raise UnknownSite(f"{site} is not one of {', '.join(sorted(SITES))}.")
    return site


async def _get(ctx: EbayContext, path: str, what: str, params: dict[str, str]) -> dict[str, Any]:
    """A Taxonomy GET with the application token; eBay's 4xx raised as ``MarketplaceRejected``."""
    token = await ctx.ebay.app_token()
    response = await ctx.ebay.client.request(
        "GET", f"{ctx.ebay.api}{BASE}{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code != 200:
        raise _rejected(response, what)
    body: dict[str, Any] = response.json()
    return body


class TaxonomyService:
    async def tree_id(self, ctx: EbayContext, site: str) -> str:
        key = ("tree", site)
        cached = ctx.taxonomy_cache.get(key)
        if cached is not None:
            return str(cached)
        body = await _get(
            ctx, "/get_default_category_tree_id", "give the category tree", {"marketplace_id": site}
        )
        tree = str(body["categoryTreeId"])
        ctx.taxonomy_cache.put(key, tree, ctx.settings.taxonomy_cache_ttl_s)
        return tree

    async def _tree_read(
        self,
        ctx: EbayContext,
        site: str,
        call: str,
        what: str,
        params: dict[str, str],
        *,
        refused: Callable[[MarketplaceRejected], ProblemError],
    ) -> tuple[str, dict[str, Any]]:
        """(the site's tree id, the answer of ``call`` on that tree). eBay failing or unreachable is a 503
        ``ebay-unavailable``; eBay refusing (4xx) is what ``refused`` makes of it."""
        try:
            tree = await self.tree_id(ctx, site)
            return tree, await _get(ctx, f"/category_tree/{quote(tree, safe='')}/{call}", what, params)
        except MarketplaceRejected as exc:
            if exc.status and exc.status >= 500:
                raise EbayUnavailable(exc.message) from exc
            raise refused(exc) from exc
        except MarketplaceError as exc:
            raise EbayUnavailable(exc.message) from exc

    async def suggestions(self, ctx: EbayContext, site: str | None, q: str) -> CategorySuggestionsOut:
        site = _site(ctx, site)
        tree, body = await self._tree_read(
            ctx, site, "get_category_suggestions", "suggest categories", {"q": q},
            refused=lambda exc: EbayRejected(exc.message),
        )  # fmt: skip
        out = []
        for row in body.get("categorySuggestions") or []:
            category = row.get("category") or {}
            above = sorted(
                row.get("categoryTreeNodeAncestors") or [], key=lambda a: a.get("categoryTreeNodeLevel", 0)
            )
            out.append(
                CategorySuggestion(
                    category_id=str(category.get("categoryId")),
                    name=str(category.get("categoryName", "")),
                    path=[str(a.get("categoryName", "")) for a in above]
                    + [str(category.get("categoryName", ""))],
                    relevancy=row.get("relevancy"),
                )
            )
        return CategorySuggestionsOut(site=site, category_tree_id=tree, suggestions=out)

    async def aspects(self, ctx: EbayContext, site: str | None, category_id: str) -> AspectsOut:
        """The category's aspects on ``site`` (cached per (site, category) for the TTL)."""
        site = _site(ctx, site)
        key = ("aspects", site, category_id)
        cached = ctx.taxonomy_cache.get(key)
        if isinstance(cached, AspectsOut):
            return cached
        _, body = await self._tree_read(
            ctx, site, "get_item_aspects_for_category", "give the category's item specifics",
            {"category_id": category_id},
            refused=lambda exc: CategoryUnknown(
                f"{category_id} is not a leaf category of {site}: {exc.message}", category_id=category_id
            ),
        )  # fmt: skip
        aspects = []
        for a in body.get("aspects") or []:
            rule = a.get("aspectConstraint") or {}
            aspects.append(
                AspectOut(
                    name=str(a.get("localizedAspectName", "")),
                    required=bool(rule.get("aspectRequired", False)),
                    multiple=rule.get("itemToAspectCardinality") == "MULTI",
                    values=[str(v.get("localizedValue")) for v in a.get("aspectValues") or []],
                )
            )
        found = AspectsOut(
            site=site,
            category_id=category_id,
            required=[a.name for a in aspects if a.required],
            aspects=aspects,
        )
        ctx.taxonomy_cache.put(key, found, ctx.settings.taxonomy_cache_ttl_s)
        return found

    async def missing(
        self, ctx: EbayContext, site: str | None, category_id: str, given: dict[str, list[str]]
    ) -> list[str]:
        """The required aspects of the category that ``given`` lacks (or leaves empty), in eBay's order."""
        rules = await self.aspects(ctx, site, category_id)
        have = {
            name.strip().casefold() for name, values in given.items() if any(str(v).strip() for v in values)
        }
        return [name for name in rules.required if name.strip().casefold() not in have]

    async def check(
        self, ctx: EbayContext, site: str | None, category_id: str, given: dict[str, list[str]]
    ) -> list[str]:
        """``missing``, as one 422 naming every aspect absent."""
        absent = await self.missing(ctx, site, category_id, given)
        if absent:
            raise AspectsMissing(
                f"eBay requires for category {category_id}: {', '.join(absent)}",
                missing=absent,
                site=_site(ctx, site),
                category_id=category_id,
            )
        return absent


taxonomy_service = TaxonomyService()


async def required_aspects_missing(ctx: EbayContext, site: str, mapping: MarketplaceMapping) -> list[str]:
    """Before a publish: the category's required aspects the snapshot lacks. When the Taxonomy API cannot
    answer (eBay down, a category it does not know) nothing is reported: eBay's own publish checks follow."""
    if not mapping.category_id:
        return []
    try:
        return await taxonomy_service.missing(ctx, site, mapping.category_id, mapping.aspects)
    except (EbayUnavailable, CategoryUnknown, UnknownSite):
        return []
