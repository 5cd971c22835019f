"""Events of notification-service, and the kinds of item a seller's live feed carries.

The feed (``GET /api/notifications/feed``, Server-Sent Events) turns what the fleet already emits into short
items a seller reads: each has an id that only grows within its tenant, a ``kind`` below, a sentence and
the ids a UI needs. ``notification.feed.appended`` carries a stored item from the replica that wrote it
to every replica holding feed connections; it is notification-service's own, other services need not bind it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from vitrine_contracts.envelope import Event


class FeedKind(StrEnum):
    """What a feed item is about; the value is stable (UIs and e-mail preferences key on it)."""

    PUBLICATION_STARTED = "publication.started"
    PUBLICATION_SUCCEEDED = "publication.succeeded"
    PUBLICATION_FAILED = "publication.failed"
    PUBLICATION_DELISTED = "publication.delisted"
    DELIST_FAILED = "publication.delist_failed"
    PRODUCT_SOLD = "product.sold"
    ORDER_RECEIVED = "order.received"
    ORDER_CANCELLED = "order.cancelled"
    OVERSELL = "oversell.detected"
    SESSION_EXPIRED = "account.session_expired"
    IMPORT_PROGRESS = "import.progress"
    CREDITS_LOW = "credits.low"
    CREDITS_EXHAUSTED = "credits.exhausted"
    PLAN_CHANGED = "plan.changed"
    PAYMENT_FAILED = "payment.failed"
    ANALYSIS_COMPLETED = "ai.analysis.completed"
    ANALYSIS_FAILED = "ai.analysis.failed"


# The seller must act on these soon: they are flagged in the feed and mailed at once unless the seller opts out.
URGENT_KINDS = frozenset(
    {FeedKind.OVERSELL, FeedKind.DELIST_FAILED, FeedKind.SESSION_EXPIRED, FeedKind.PAYMENT_FAILED}
)


class FeedItemAppended(Event):
    """An item was stored in a tenant's feed (in the transaction that stored it); each notification-service
    replica pushes it to the feed connections of that tenant it holds. The envelope's tenant is the item's."""

    event_type = "notification.feed.appended"
    item_id: int = Field(ge=1, description="Grows by one per item within the tenant; the SSE event id")
    kind: FeedKind
    occurred_at: datetime = Field(description="When the fleet event happened")
    text: str = Field(max_length=500, description="One sentence for the seller, in English")
    urgent: bool = False
    data: dict[str, Any] = Field(
        default_factory=dict, description="Ids and facts a UI needs: product_id, marketplace, url, reason…"
    )
