"""Background loops (pollers, schedulers, heartbeats) that the kit starts, stops and reports.

A loop is either a ``tick`` called every ``every_s`` seconds, or a long-running ``run`` the kit restarts
after a crash. Either way the kit keeps its state — last success, last error, restarts — for ``/readyz`` and
``/metrics``, so every service's loops behave and show the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.settings import RunMode
from vitrine_kit.tracing import span

logger = logging.getLogger(__name__)
C = TypeVar("C")

WORKERS = frozenset({RunMode.WORKER, RunMode.ALL})


@dataclass(frozen=True)
class BackgroundLoop(Generic[C]):
    """A named background job of a service; build one with :meth:`every` or :meth:`forever`.

    ``modes``: the run modes whose processes run it (the workers by default).
    """

    name: str
    body: Callable[[C], Awaitable[object]]
    every_s: float | None
    restart_s: float = 5.0
    first_delay_s: float = 0.0
    modes: frozenset[RunMode] = WORKERS

    @classmethod
    def every(
        cls,
        name: str,
        seconds: float,
        tick: Callable[[C], Awaitable[object]],
        *,
        first_delay_s: float = 0.0,
        modes: frozenset[RunMode] = WORKERS,
    ) -> BackgroundLoop[C]:
        """``tick(context)`` every ``seconds``; a failed tick is logged and counted, the next comes as usual."""
        return cls(name, tick, seconds, first_delay_s=first_delay_s, modes=modes)

    @classmethod
    def forever(
        cls,
        name: str,
        run: Callable[[C], Awaitable[object]],
        *,
        restart_s: float = 5.0,
        modes: frozenset[RunMode] = WORKERS,
    ) -> BackgroundLoop[C]:
        """``run(context)`` until cancelled; restarted ``restart_s`` after it crashes or returns."""
        return cls(name, run, None, restart_s=restart_s, modes=modes)


@dataclass
class LoopState:
    """What ``/readyz`` shows of a loop."""

    name: str
    runs: int = 0
    failures: int = 0
    last_ok_at: float | None = None
    last_error: str | None = None
    running: bool = False

    def report(self) -> dict[str, Any]:
        age = None if self.last_ok_at is None else round(time.time() - self.last_ok_at, 1)
        return {
            "running": self.running,
            "runs": self.runs,
            "failures": self.failures,
            "last_ok_s_ago": age,
            "last_error": self.last_error,
        }


@dataclass
class LoopSupervisor:
    """Starts the loops of this process's run mode, and cancels them at shutdown."""

    metrics: ServiceMetrics
    states: dict[str, LoopState] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, loops: Iterable[BackgroundLoop[Any]], context: object, mode: RunMode) -> None:
        for loop in loops:
            if mode not in loop.modes:
                continue
            if loop.name in self.states:
                raise ValueError(f"two loops named {loop.name}")
            state = self.states[loop.name] = LoopState(loop.name)
            self.tasks.append(asyncio.create_task(self._supervise(loop, context, state), name=loop.name))

    async def _supervise(self, loop: BackgroundLoop[Any], context: object, state: LoopState) -> None:
        state.running = True
        try:
            if loop.first_delay_s:
                await asyncio.sleep(loop.first_delay_s)
            while True:
                try:
                    with span(f"loop {loop.name}"):  # each run the root of what it causes
                        await loop.body(context)
                    state.runs += 1
                    state.last_ok_at = time.time()
                    self.metrics.loop_runs.labels(loop.name, "ok").inc()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    state.failures += 1
                    state.last_error = f"{type(exc).__name__}: {exc}"[:300]
                    self.metrics.loop_runs.labels(loop.name, "failed").inc()
                    logger.exception("background loop failed", extra={"loop": loop.name})
                await asyncio.sleep(loop.restart_s if loop.every_s is None else loop.every_s)
        finally:
            state.running = False

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()

    def report(self) -> dict[str, Any]:
        return {name: state.report() for name, state in self.states.items()}
