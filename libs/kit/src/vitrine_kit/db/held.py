"""Which asyncio task holds a pooled database connection, and the guard against awaiting another service or a
marketplace while holding one.

A connection checked out (a session that executed a statement and has not committed, rolled back or
closed) stays out of the pool for as long as its task waits: a handler waiting 1 s on another service with
its connection holds one of the pool's few connections for that second, and a burst of such requests
exhausts the pool (503 ``database-unavailable``). The kit's clients of other services (and the marketplace
clients) call :func:`check_outbound` before each call: it logs a warning once per target and process, or
raises :class:`ConnectionHeldAcrossCall` in strict mode (tests: ``VITRINE_STRICT_CONNECTIONS=1`` or
:func:`set_strict` for the whole process; :func:`strict` for one task and the tasks it starts, so a
service's background loops started before keep warning). The cost is a dict lookup per checkout, checkin
and outbound call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import weakref
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

_TASK = "vitrine_task"
# Task → connections it holds now (weak: a task that ended without checking in is forgotten).
_held: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = weakref.WeakKeyDictionary()
_warned: set[str] = set()
_strict = os.environ.get("VITRINE_STRICT_CONNECTIONS", "") == "1"
# Strict for the current task and the tasks it starts (they copy its context), whatever ``_strict`` says.
_strict_here: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "vitrine_strict_connections", default=False
)


class ConnectionHeldAcrossCall(RuntimeError):
    """A task awaited another service while holding a pooled database connection (strict mode)."""


def set_strict(strict: bool) -> None:
    """Raise (True) or warn (False) when a connection is held across an outbound call."""
    global _strict
    _strict = strict


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Raise instead of warning in this block, for the current task and the tasks started from it (a
    test's requests through an ASGI transport), not for tasks already running (a service's loops)."""
    token = _strict_here.set(True)
    try:
        yield
    finally:
        _strict_here.reset(token)


def _task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop (a sync checkout, e.g. in a migration)
        return None


def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    task = _task()
    record.info[_TASK] = weakref.ref(task) if task is not None else None
    if task is not None:
        _held[task] = _held.get(task, 0) + 1


def _checkin(dbapi_connection: Any, record: Any) -> None:
    ref = record.info.pop(_TASK, None)
    task = ref() if ref is not None else None
    if task is not None and task in _held:
        left = _held[task] - 1
        if left > 0:
            _held[task] = left
        else:
            del _held[task]


def track(engine: AsyncEngine) -> None:
    """Count the connections of ``engine``'s pool each task holds (once per engine).

    Whether the pool listens already is read from the pool's own listeners, not ``event.contains``: that
    looks listeners up by ``id(pool)``, and a disposed engine's new pool keeps its old pool's id registered,
    so a pool made later at that dead pool's address would pass for tracked and never be counted.
    """
    pool = engine.sync_engine.pool
    if _checkout not in pool.dispatch.checkout:
        event.listen(pool, "checkout", _checkout)
        event.listen(pool, "checkin", _checkin)


def held() -> int:
    """How many pooled connections the current task holds."""
    task = _task()
    return _held.get(task, 0) if task is not None else 0


def check_outbound(target: str) -> None:
    """Called before awaiting ``target`` (another service, a marketplace): warn, or raise in strict mode,
    when the current task holds a pooled connection meanwhile."""
    count = held()
    if not count:
        return
    what = f"{count} database connection(s) held while calling {target}: commit or close the session first"
    if _strict or _strict_here.get():
        raise ConnectionHeldAcrossCall(what)
    if target not in _warned:
        _warned.add(target)
        logger.warning("connection held across an outbound call", extra={"target": target, "held": count})
