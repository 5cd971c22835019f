"""The pool's counting semaphore: free slots taken at once, waiters served in order, none lost to a cancel."""

from __future__ import annotations

import asyncio

import pytest
from gateway.forwarding import Slots


async def test_free_slots_are_taken_at_once_then_callers_wait_in_order() -> None:
    slots = Slots(2)
    assert slots.take_now()
    assert slots.take_now()
    assert not slots.take_now()
    served: list[int] = []

    async def wait(n: int) -> None:
        await slots.take()
        served.append(n)

    waiters = [asyncio.ensure_future(wait(n)) for n in range(3)]
    await asyncio.sleep(0)
    assert served == []
    slots.give()
    slots.give()
    await asyncio.sleep(0)
    assert served == [0, 1]
    slots.give()
    await asyncio.gather(*waiters)
    assert served == [0, 1, 2]
    assert slots.free == 0
    for _ in range(3):
        slots.give()
    assert slots.free == 3


async def test_a_waiter_cancelled_after_being_handed_a_slot_passes_it_on() -> None:
    slots = Slots(1)
    assert slots.take_now()
    first = asyncio.ensure_future(slots.take())
    second = asyncio.ensure_future(slots.take())
    await asyncio.sleep(0)
    slots.give()  # handed to the first waiter...
    first.cancel()  # ...which is cancelled before it runs
    await asyncio.sleep(0)
    await second
    with pytest.raises(asyncio.CancelledError):
        await first
    assert slots.free == 0
    slots.give()
    assert slots.free == 1


async def test_a_waiter_that_times_out_leaves_the_queue() -> None:
    slots = Slots(1)
    assert slots.take_now()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(slots.take(), 0.01)
    slots.give()
    assert slots.free == 1
    assert slots.take_now()
