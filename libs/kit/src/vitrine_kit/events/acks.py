"""Acking a consumer's committed batches in as few frames as the deliveries still open allow."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

logger = logging.getLogger(__name__)


class BatchAcks:
    """The deliveries of one channel still open (neither acked, nacked nor forwarded), so that a batch is
    acked with one ``basic.ack(multiple=True)`` instead of one frame per message.

    A multiple ack settles every delivery up to its tag, so it is sent only up to the highest tag of the
    batch below every delivery still open; the batch's later tags (behind a message another batch or the
    one-by-one path still holds) are acked one by one.
    """

    def __init__(self, channel: Any) -> None:
        self.channel = channel  # aiormq's channel: what IncomingMessage.channel is
        self.open: set[int] = set()
        # One batch's acks at a time: a multiple ack must not overtake another batch's on the wire.
        self._lock = asyncio.Lock()

    def _tag(self, message: AbstractIncomingMessage) -> int | None:
        tag = message.delivery_tag
        return tag if tag and message.channel is self.channel else None

    def delivered(self, message: AbstractIncomingMessage) -> None:
        if (tag := self._tag(message)) is not None:
            self.open.add(tag)

    def settled(self, message: AbstractIncomingMessage) -> None:
        """Called once ``message``'s own ack or nack is written (never before: a multiple ack covering it
        first would make the broker close the channel on the second ack)."""
        if (tag := self._tag(message)) is not None:
            self.open.discard(tag)

    async def ack(self, messages: list[AbstractIncomingMessage]) -> None:
        """Ack ``messages`` (handled and committed), in as few frames as the open deliveries allow; when the
        channel is gone, the broker redelivers them (the inbox makes that harmless)."""
        try:
            async with self._lock:
                await self._ack(messages)
        except Exception:
            logger.debug("ack failed: the channel is gone, the broker will redeliver (inbox dedups)")

    async def _ack(self, messages: list[AbstractIncomingMessage]) -> None:
        ours: list[tuple[int, AbstractIncomingMessage]] = []
        alone: list[AbstractIncomingMessage] = []
        for message in messages:
            tag = self._tag(message)
            if tag is None:
                alone.append(message)  # a delivery of a channel since replaced: acked alone (and likely lost)
            else:
                ours.append((tag, message))
                self.open.discard(tag)
        lowest_open = min(self.open, default=None)
        covered = [(t, m) for t, m in ours if lowest_open is None or t < lowest_open]
        alone += [m for t, m in ours if lowest_open is not None and t > lowest_open]
        if len(covered) > 1:
            await max(covered, key=lambda tm: tm[0])[1].ack(multiple=True)
        else:
            alone += [m for _, m in covered]
        for message in alone:
            await message.ack()
