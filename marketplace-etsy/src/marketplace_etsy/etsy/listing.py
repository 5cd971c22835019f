"""What the Etsy adapter works with: a shop's call context, a listing to publish, a publish's progress.

The publish flow is draft → photos (by rank) → activate. Etsy has no idempotency key, so the flow reports
each step to a ``PublishProgress`` before starting the next: given the progress a failed attempt left, a new
one resumes instead of listing twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import Field
from vitrine_marketplace import ListingDraft, MarketplaceRejected

from marketplace_etsy.etsy import text


@dataclass(frozen=True)
class EtsyShop:
    """What a call on behalf of one shop needs: its ids, a (decrypted) token, its chosen profiles."""

    account_id: str
    user_id: int
    shop_id: int
    access_token: str
    refresh_token: str | None = None
    currency: str | None = None
    shipping_profile_id: int | None = None
    readiness_state_id: int | None = None
    return_policy_id: int | None = None


class EtsyDraft(ListingDraft):
    """A listing as Etsy needs it: ``ListingDraft`` plus Etsy's own fields, already cleaned to its rules."""

    taxonomy_id: int
    who_made: str = "someone_else"
    when_made: str
    tags: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    # Photos in rank order: keys the caller's ``PhotoLoader`` turns into bytes (media ids, or URLs).
    photos: list[str] = Field(default_factory=list)
    listing_id: int | None = None

    @classmethod
    def of(cls, draft: ListingDraft) -> EtsyDraft:
        """An ``EtsyDraft`` from a generic draft: Etsy's fields read from ``aspects``."""
        if isinstance(draft, EtsyDraft):
            return draft
        aspects = draft.aspects
        when = next(iter(aspects.get("when_made") or []), None)
        if not draft.category_id or not when:
            raise MarketplaceRejected("Etsy needs a taxonomy (category) and when the item was made")
        return cls(
            **(draft.model_dump() | {"title": text.listing_title(draft.title)}),
            taxonomy_id=int(draft.category_id),
            who_made=(aspects.get("who_made") or ["someone_else"])[0],
            when_made=when,
            tags=text.tags(aspects.get("tags", [])),
            materials=text.materials(aspects.get("materials", [])),
            photos=list(draft.image_urls),
        )


class PublishProgress(Protocol):
    """Where a publish records each step, before the next one starts."""

    @property
    def listing_id(self) -> int | None: ...

    @property
    def draft_requested_at(self) -> datetime | None: ...

    def uploaded_ranks(self) -> set[int]: ...

    async def drafting(self, title: str, at: datetime) -> None:
        """createDraftListing is about to be sent (recorded first: its answer may be lost)."""
        ...

    async def drafted(self, listing_id: int) -> None: ...

    async def uploaded(self, rank: int, photo: str, listing_image_id: int) -> None: ...

    async def activated(self, url: str | None) -> None: ...

    async def lost(self) -> None:
        """The recorded listing no longer exists on Etsy: the next attempt starts over."""
        ...


@dataclass
class MemoryProgress:
    """Progress kept for one call only (``publish`` without a store)."""

    listing_id: int | None = None
    draft_requested_at: datetime | None = None
    ranks: set[int] = field(default_factory=set)
    url: str | None = None

    def uploaded_ranks(self) -> set[int]:
        return set(self.ranks)

    async def drafting(self, title: str, at: datetime) -> None:
        self.draft_requested_at = at

    async def drafted(self, listing_id: int) -> None:
        self.listing_id = listing_id

    async def uploaded(self, rank: int, photo: str, listing_image_id: int) -> None:
        self.ranks.add(rank)

    async def activated(self, url: str | None) -> None:
        self.url = url

    async def lost(self) -> None:
        self.listing_id, self.draft_requested_at, self.ranks = None, None, set()


PhotoLoader = Callable[[str], Awaitable[bytes]]
