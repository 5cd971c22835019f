"""One seller's feed as Server-Sent Events: what was missed first, then live items, heartbeats, an end.

The request's own task writes; a small task watches for the client leaving. An idle connection holds no
database connection and no timer but its heartbeat's. Writes that the client does not take within
``send_timeout_s`` end the connection (its memory stays bounded by the queue of its ``FeedConnection``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from vitrine_kit.auth.principal import Principal
from vitrine_kit.auth.revocation import RevocationUnknown
from vitrine_kit.db.base import utcnow

from notification_service.feed import repository as repo
from notification_service.feed.hub import FeedConnection, control, frame
from notification_service.feed.schemas import FeedItemOut, Gap, Reconnect, StreamEnd

if TYPE_CHECKING:
    from notification_service.context import NotifyContext

logger = logging.getLogger(__name__)
HEARTBEAT = b": keep-alive\n\n"


class WriteStalled(Exception):
    """The client took none of a write within ``send_timeout_s``."""


class FeedStream(Response):
    """``text/event-stream`` of one tenant's feed, resumed after ``after`` (``None``: from now)."""

    media_type = "text/event-stream"

    def __init__(self, ctx: NotifyContext, principal: Principal, after: int | None) -> None:
        self.ctx = ctx
        self.principal = principal
        self.tenant_id = principal.tenant
        self.after = after
        self.status_code = 200
        self.background = None
        # no-transform: a proxy must not compress or buffer it; X-Accel-Buffering does the same for nginx.
        self.init_headers({"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"})
        self.last = 0
        self.written_at = time.time()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hub = self.ctx.hub
        conn = hub.open(self.tenant_id)
        if hub.draining:
            conn.end(StreamEnd.DRAINING)
        watcher = asyncio.create_task(self._watch(receive, conn))
        try:
            await self._run(conn, send)
        except WriteStalled:
            # Returning without the last chunk makes the server close the connection.
            self.ctx.notify_metrics.feed_ended.labels(StreamEnd.SLOW.value).inc()
            logger.info("feed stream stalled; closed", extra={"last_id": self.last})
        finally:
            hub.close(conn)
            watcher.cancel()

    async def _watch(self, receive: Receive, conn: FeedConnection) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        conn.end(StreamEnd.GONE)

    async def _write(self, send: Send, body: bytes) -> None:
        message: Message = {"type": "http.response.body", "body": body, "more_body": True}
        try:
            async with asyncio.timeout(self.ctx.settings.send_timeout_s):
                await send(message)
        except TimeoutError:
            raise WriteStalled from None
        self.written_at = time.time()

    async def _run(self, conn: FeedConnection, send: Send) -> None:
        settings = self.ctx.settings
        beat = settings.heartbeat_s
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await self._write(send, b"retry: %d\n\n" % settings.retry_ms)
        await self._start(send)
        expires = float(self.principal.claims.get("exp", time.time() + 900))
        next_check = time.time() + beat
        while True:
            conn.wake.clear()
            if conn.resync:
                conn.resync = False
                await self._catch_up(send, upto=None)
            while conn.pending and conn.ending is None:
                item_id, data = conn.pending.popleft()
                if item_id <= self.last:
                    continue  # already sent from the history
                if item_id > self.last + 1:
                    await self._catch_up(send, upto=item_id - 1)  # missed or published out of order
                await self._write(send, data)
                self.last = item_id
            if conn.ending is not None:
                break
            now = time.time()
            if now >= expires:
                conn.end(StreamEnd.TOKEN_EXPIRED)
                continue
            if now >= next_check:
                next_check = now + beat
                if await self._revoked():
                    conn.end(StreamEnd.REVOKED)
                    continue
            wait = min(self.written_at + beat - now, expires - now, next_check - now)
            try:
                async with asyncio.timeout(max(wait, 0.0)):
                    await conn.wake.wait()
            except TimeoutError:
                if time.time() - self.written_at >= beat - 0.01:
                    await self._write(send, HEARTBEAT)
        await self._finish(conn, send)

    async def _finish(self, conn: FeedConnection, send: Send) -> None:
        reason = conn.ending
        if reason is None or reason is StreamEnd.GONE:
            return
        self.ctx.notify_metrics.feed_ended.labels(reason.value).inc()
        retry = self.ctx.settings.retry_ms
        end = Reconnect(reason=reason, retry_ms=retry, last_id=self.last)
        with contextlib.suppress(WriteStalled):
            await self._write(send, control("reconnect", end.model_dump_json()))
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _start(self, send: Send) -> None:
        """Send what the client missed after ``after`` (told with ``gap`` when it is no longer kept)."""
        since = utcnow() - self.ctx.history_age
        async with self.ctx.db.tenant_session(self.tenant_id) as session:
            newest = await repo.last_id(session)
            if self.after is None:
                self.last = newest
                return
            oldest = await repo.oldest_id(session, since=since)
        after = min(self.after, newest)  # an id from the future (another account, a reset) resumes from now
        if repo.lost(self.after, newest=newest, oldest=oldest):
            await self._write(send, control("gap", Gap(after=self.after, oldest=oldest).model_dump_json()))
        self.last = after
        await self._catch_up(send, upto=None)

    async def _catch_up(self, send: Send, *, upto: int | None) -> None:
        """Write stored items after the last sent (up to ``upto``), a page at a time, no session held while writing."""
        batch = self.ctx.settings.history_batch
        since = utcnow() - self.ctx.history_age
        while True:
            self.ctx.notify_metrics.feed_caught_up.inc()
            async with self.ctx.db.tenant_session(self.tenant_id) as session:
                items = await repo.after(session, self.last, since=since, limit=batch)
            for item in items:
                if upto is not None and item.id > upto:
                    return
                await self._write(send, frame(FeedItemOut.of(item)))
                self.last = item.id
            if len(items) < batch or (upto is not None and self.last >= upto):
                return

    async def _revoked(self) -> bool:
        revocations = self.ctx.verifier.revocations
        if revocations is None:
            return False
        try:
            return await revocations.is_revoked(self.principal.kind, self.principal.claims)
        except RevocationUnknown:
            return False  # auth-service unreachable: keep serving until the token expires
