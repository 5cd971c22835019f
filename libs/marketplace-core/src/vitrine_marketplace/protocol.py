"""The protocol every marketplace adapter implements (eBay, Etsy, Vinted…)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from vitrine_marketplace.dto import (
    ExternalListing,
    ExternalOrder,
    ListingDraft,
    OAuthTokens,
    PublishedListing,
)

A_contra = TypeVar("A_contra", contravariant=True)


class MarketplaceAdapter(Protocol[A_contra]):
    """Operations on one marketplace, for one seller account of type ``A_contra``.

    Implementations raise the errors of ``vitrine_marketplace.errors`` only, so that callers decide on
    retries and on what to tell the seller without knowing the marketplace.
    """

    def authorize_url(self, *, state: str, site: str | None = None, code_challenge: str | None = None) -> str:
        """The consent page the seller is sent to; ``state`` comes back to the callback unchanged."""
        ...

    async def exchange_code(self, code: str, *, code_verifier: str | None = None) -> OAuthTokens:
        """Trade the authorization code of the callback for tokens."""
        ...

    async def refresh(self, account: A_contra) -> OAuthTokens:
        """New access token from the account's refresh token; ``AuthRevoked`` when it is refused."""
        ...

    async def publish(self, account: A_contra, draft: ListingDraft) -> PublishedListing:
        """List ``draft`` (idempotent on ``draft.sku``: a retry never creates a second listing)."""
        ...

    async def revise(self, account: A_contra, draft: ListingDraft) -> PublishedListing:
        """Change price and quantity (and content) of the listing of ``draft.sku``."""
        ...

    async def delist(self, account: A_contra, sku: str) -> None:
        """End the listing of ``sku``; a listing already ended is not an error."""
        ...

    async def fetch_orders(self, account: A_contra, *, since: datetime) -> Sequence[ExternalOrder]:
        """Paid order lines modified since ``since``."""
        ...

    async def import_listings(self, account: A_contra) -> Sequence[ExternalListing]:
        """The account's live listings, for linking to products or importing as new ones."""
        ...
