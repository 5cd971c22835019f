"""``/feed``: the seller's live feed (Server-Sent Events) and its history (JSON)."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import ProvisionedTenant

from notification_service.deps import After, Context, LastEventId, Limit
from notification_service.errors import InvalidLastEventId
from notification_service.feed.schemas import FeedPage
from notification_service.feed.service import feed_service
from notification_service.feed.stream import FeedStream
from notification_service.scope import RequestScope

router = APIRouter(prefix="/feed", tags=["feed"])
STREAM = {
    200: {
        "description": "``text/event-stream``: items as ``id:`` + ``data:`` (a FeedItemOut), a ``: keep-alive`` "
        "comment every 20 s, ``event: gap`` when items after the resume id are gone, ``event: reconnect`` "
        "(a Reconnect) when the server ends the stream",
        "content": {"text/event-stream": {}},
    }
}


def resume_after(last_event_id: str | None, after: int | None) -> int | None:
    """``Last-Event-ID`` (what EventSource sends on reconnecting) wins over ``?after=``."""
    if last_event_id is None or not last_event_id.strip():
        return after
    if not last_event_id.strip().isdigit() or int(last_event_id) > 2**63 - 1:
        raise InvalidLastEventId(f"Last-Event-ID must be an item id, not {last_event_id[:40]!r}.")
    return int(last_event_id)


@router.get("", status_code=200, response_class=FeedStream, responses=STREAM)  # type: ignore[arg-type]
async def feed(
    principal: TenantPrincipal,
    _: ProvisionedTenant,
    ctx: Context,
    after: After = None,
    last_event_id: LastEventId = None,
) -> FeedStream:
    """The live feed of the caller's seller account: what was missed after the resume id first, then items as
    they happen. Without a resume id it starts from now."""
    return FeedStream(ctx, principal, resume_after(last_event_id, after))


@router.get("/history")
async def history(scope: RequestScope, after: After = None, limit: Limit = 100) -> FeedPage:
    """Items after ``after``, oldest first (the newest ``limit`` without it): for clients without a stream."""
    return await feed_service.history(scope, after, limit)
