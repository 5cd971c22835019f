"""A batch's acks: one multiple ack when every earlier delivery of the channel is settled, never past an
open one."""

from __future__ import annotations

from typing import Any

from vitrine_kit.events.acks import BatchAcks


class _Message:
    def __init__(self, channel: object, tag: int, sent: list[tuple[int, bool]]) -> None:
        self.channel, self.delivery_tag, self._sent = channel, tag, sent

    async def ack(self, multiple: bool = False) -> None:
        self._sent.append((self.delivery_tag, multiple))


def _deliver(acks: BatchAcks, channel: object, tags: range, sent: list[tuple[int, bool]]) -> dict[int, Any]:
    messages = {t: _Message(channel, t, sent) for t in tags}
    for m in messages.values():
        acks.delivered(m)  # type: ignore[arg-type]
    return messages


async def test_a_batch_with_nothing_open_before_it_is_one_frame() -> None:
    channel, sent = object(), []
    acks = BatchAcks(channel)
    m = _deliver(acks, channel, range(1, 6), sent)
    await acks.ack([m[1], m[2], m[3]])
    assert sent == [(3, True)]
    await acks.ack([m[4], m[5]])
    assert sent == [(3, True), (5, True)]
    assert acks.open == set()


async def test_never_past_a_delivery_still_open() -> None:
    channel, sent = object(), []
    acks = BatchAcks(channel)
    m = _deliver(acks, channel, range(1, 8), sent)
    await acks.ack([m[1], m[2], m[5], m[6]])  # 3 and 4 are another batch's, still being handled
    assert sent == [(2, True), (5, False), (6, False)]
    await m[3].ack()  # the one-by-one path: its own ack, then settled
    acks.settled(m[3])  # type: ignore[arg-type]
    await acks.ack([m[4], m[7]])
    assert sent[3:] == [(3, False), (7, True)]  # 1..6 are all settled: 4 and 7 in one frame


async def test_a_single_message_or_another_channels_is_acked_alone() -> None:
    channel, sent = object(), []
    acks = BatchAcks(channel)
    m = _deliver(acks, channel, range(1, 3), sent)
    old = _Message(object(), 1, sent)  # delivered on a channel since replaced
    await acks.ack([m[1], old])  # type: ignore[list-item]
    assert sorted(sent) == [(1, False), (1, False)]
    assert acks.open == {2}
