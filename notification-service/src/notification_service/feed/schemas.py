"""What the feed answers: items (on the stream and in the history), pages, and control events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from vitrine_contracts.notifications import FeedItemAppended, FeedKind

from notification_service.models import FeedItem


class FeedItemOut(BaseModel):
    """One feed item; on the stream it is the ``data:`` of an event whose ``id:`` is ``id``."""

    id: int = Field(description="Grows by one per item within the seller account; resume after it")
    kind: FeedKind
    at: datetime = Field(description="When it happened")
    text: str = Field(description="One sentence for the seller")
    urgent: bool = Field(description="The seller should act on it soon (it is also e-mailed)")
    data: dict[str, Any] = Field(
        description="Ids and facts for the UI: product_id, marketplace, url, reason…"
    )

    @classmethod
    def of(cls, item: FeedItem) -> FeedItemOut:
        return cls(
            id=item.id,
            kind=item.kind,
            at=item.occurred_at,
            text=item.text,
            urgent=item.urgent,
            data=item.data,
        )

    @classmethod
    def of_event(cls, event: FeedItemAppended) -> FeedItemOut:
        return cls(
            id=event.item_id,
            kind=event.kind,
            at=event.occurred_at,
            text=event.text,
            urgent=event.urgent,
            data=event.data,
        )


class FeedPage(BaseModel):
    """Items after ``after``, oldest first; ask again with ``after=last_id`` for newer ones."""

    items: list[FeedItemOut]
    last_id: int = Field(
        description="The id to pass as ``after`` next time (the newest item's, or ``after``)"
    )
    gap: bool = Field(
        description="Items after ``after`` are no longer kept (older than the history): reload what the UI shows"
    )


class StreamEnd(StrEnum):
    """Why the server ends a stream (the ``reason`` of its last event, ``reconnect``)."""

    SLOW = "slow-consumer"  # items came faster than the client read them: reconnect with Last-Event-ID
    TOKEN_EXPIRED = "token-expired"  # reconnect with a fresh access token
    REVOKED = "revoked"  # the access token was revoked: do not reconnect with it
    DRAINING = "server-draining"  # this replica stops: reconnect (another one answers)
    GONE = "client-gone"  # never sent: the client left


class Reconnect(BaseModel):
    """The last event of a stream the server ends (``event: reconnect``)."""

    reason: StreamEnd
    retry_ms: int = Field(description="Wait this long before reconnecting")
    last_id: int = Field(description="The last item id sent; resume after it")


class Gap(BaseModel):
    """Sent first (``event: gap``) when items after the client's id are no longer kept."""

    after: int = Field(description="The id the client resumed after")
    oldest: int | None = Field(description="The oldest item still kept (None: none)")
