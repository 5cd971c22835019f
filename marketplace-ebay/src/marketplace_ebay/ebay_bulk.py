"""Inventory API bulk calls: inventory items, offers and publishing for up to 25 drafts at once, each draft
answered on its own (its listing, or why eBay refused it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from vitrine_marketplace import ListingDraft, MarketplaceError, MarketplaceRejected, PublishedListing

if TYPE_CHECKING:
    from marketplace_ebay.ebay_api import EbaySeller

# The adapter's authenticated call: (seller, method, path, what, **kwargs) → response.
Call = Callable[..., Awaitable[httpx.Response]]


BULK_MAX = 25  # eBay's limit per Inventory bulk call


def _item_rejected(answer: dict[str, Any], what: str) -> MarketplaceError:
    """One item of a bulk call that eBay refused (4xx: the seller must act), or failed on (5xx, or no answer
    for it: tried again like a failed call)."""
    errors = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
    messages = "; ".join(str(e.get("longMessage") or e.get("message")) for e in errors) or "no answer for it"
    status = int(answer.get("statusCode", 500))
    cls = MarketplaceRejected if 400 <= status < 500 else MarketplaceError
    return cls(f"eBay refused to {what}: {messages}", status=status, details=errors)


def _named_offer(errors: list[dict[str, Any]]) -> str | None:
    """The ``offerId`` eBay names in "offer entity already exists" (25002)."""
    for error in errors:
        for param in error.get("parameters") or []:
            if param.get("name") == "offerId":
                return str(param["value"])
    return None


async def bulk_publish(
    call: Call,
    seller: EbaySeller,
    drafts: Sequence[ListingDraft],
    *,
    locale: str,
    item_body: Callable[[ListingDraft], dict[str, Any]],
    offer_body: Callable[[ListingDraft], dict[str, Any]],
    item_url: Callable[[str], str],
) -> list[PublishedListing | MarketplaceError]:
    """inventory items → offers → publish for up to 25 drafts in three bulk calls, each draft answered on
    its own (its listing, or why eBay refused it), in the order given. Idempotent on the SKUs as
    ``publish``: items are replaced, an existing offer (25002 naming it) is updated and reused. A whole
    call failing raises, as a single call does."""
    if not 0 < len(drafts) <= BULK_MAX:
        raise ValueError(f"between 1 and {BULK_MAX} drafts per bulk call")
    outcome: dict[str, PublishedListing | MarketplaceError] = {}
    items = await call(
        seller, "POST", "/sell/inventory/v1/bulk_create_or_replace_inventory_item", "save the items",
        ok=(200, 207), idempotent=True,
        json={"requests": [{"sku": d.sku, "locale": locale, **item_body(d)} for d in drafts]},
    )  # fmt: skip
    saved = _per_item(items, "sku", drafts, [d.sku for d in drafts], "save the item", outcome)
    offer_ids: dict[str, str] = {}
    if saved:
        offers = await call(
            seller, "POST", "/sell/inventory/v1/bulk_create_offer", "create the offers", ok=(200, 207),
            json={"requests": [offer_body(d) for d in saved]},
        )  # fmt: skip
        answers = {str(r.get("sku")): r for r in offers.json().get("responses", [])}
        for draft in saved:
            answer = answers.get(draft.sku) or {}
            if 200 <= int(answer.get("statusCode", 500)) < 300 and answer.get("offerId"):
                offer_ids[draft.sku] = str(answer["offerId"])
                continue
            existing = _named_offer(answer.get("errors") or [])
            if existing is None:
                outcome[draft.sku] = _item_rejected(answer, "create the offer")
                continue
            await call(
                seller, "PUT", f"/sell/inventory/v1/offer/{existing}", "update the offer", ok=(200, 204),
                json=offer_body(draft),
            )  # fmt: skip
            offer_ids[draft.sku] = existing
    if offer_ids:
        published = await call(
            seller, "POST", "/sell/inventory/v1/bulk_publish_offer", "publish the offers", ok=(200, 207),
            idempotent=True, json={"requests": [{"offerId": o} for o in offer_ids.values()]},
        )  # fmt: skip
        answers = {str(r.get("offerId")): r for r in published.json().get("responses", [])}
        for sku, offer_id in offer_ids.items():
            answer = answers.get(offer_id) or {}
            if 200 <= int(answer.get("statusCode", 500)) < 300 and answer.get("listingId"):
                listing_id = str(answer["listingId"])
                outcome[sku] = PublishedListing(
                    external_id=listing_id, url=item_url(listing_id), offer_id=offer_id, sku=sku
                )
            else:
                outcome[sku] = _item_rejected(answer, "publish the offer")
    return [outcome[d.sku] for d in drafts]


def _per_item(
    response: httpx.Response,
    key: str,
    drafts: Sequence[ListingDraft],
    keys: list[str],
    what: str,
    outcome: dict[str, PublishedListing | MarketplaceError],
) -> list[ListingDraft]:
    """The drafts whose item eBay accepted; the others get their refusal in ``outcome``."""
    answers = {str(r.get(key)): r for r in response.json().get("responses", [])}
    accepted = []
    for draft, k in zip(drafts, keys, strict=True):
        answer = answers.get(k) or {}
        if 200 <= int(answer.get("statusCode", 500)) < 300:
            accepted.append(draft)
        else:
            outcome[draft.sku] = _item_rejected(answer, what)
    return accepted
