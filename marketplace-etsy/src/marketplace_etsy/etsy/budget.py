"""Etsy's per-app rate limits as one budget shared by every tenant and every replica.

Etsy counts calls per application (about 10 a second and 10,000 a day for a new app), so a token bucket in
one process would let N replicas spend N times the budget. The bucket is one row in PostgreSQL, which every
replica already shares: each call takes a token in a short transaction (row lock, ~1 ms), a 429 pauses the
row for everyone, and the ``x-remaining-*`` headers of the answers are written back. At Etsy's rates (≤ 150
calls a second for an upgraded app) the row lock is far from a bottleneck; Redis would be the next step.

Two priorities: a seller's publish or delist, and background work (receipt polling, imports run in the
background). Background work leaves ``background_reserve`` tokens in the bucket, stands aside while a
seller's call is waiting, stops when few calls are left for the day, and gives its turn up after
``background_max_wait_s`` (``BudgetDeferred``) instead of queueing behind sellers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.db.engine import Database
from vitrine_marketplace import MarketplaceUnavailable, RateLimited

from marketplace_etsy.models import RateBudget

logger = logging.getLogger(__name__)


class Priority(StrEnum):
    SELLER = "seller"
    BACKGROUND = "background"


_priority: ContextVar[Priority] = ContextVar("etsy_call_priority", default=Priority.SELLER)


@contextlib.contextmanager
def background() -> Iterator[None]:
    """Calls made inside this block are background work: they yield to sellers' calls."""
    token = _priority.set(Priority.BACKGROUND)
    try:
        yield
    finally:
        _priority.reset(token)


def current_priority() -> Priority:
    return _priority.get()


class BudgetDeferred(MarketplaceUnavailable):
    """Background work must give its turn up now (sellers need the budget, or today's is nearly spent)."""

    code = "budget-deferred"


@dataclass(frozen=True)
class BudgetLimits:
    rate_per_s: float
    burst: float
    background_reserve: float
    background_daily_floor: int
    background_max_wait_s: float
    seller_max_wait_s: float


@dataclass(frozen=True)
class Verdict:
    """What one look at the bucket decided: go now, or wait this long (and whether to give up)."""

    wait_s: float
    defer: str | None = None


class SharedBudget:
    """The bucket row ``name`` in ``shared.rate_budgets``; ``acquire`` before each call to Etsy."""

    def __init__(self, db: Database, limits: BudgetLimits, *, name: str = "etsy-app") -> None:
        self.db = db
        self.limits = limits
        self.name = name
        self._observed_at = 0.0
        self._observed_remaining: int | None = None

    async def ensure(self) -> None:
        """Create the row, or apply the configured rate and burst to it (start-up)."""
        async with self.db.session() as session:
            await session.execute(
                insert(RateBudget)
                .values(
                    name=self.name,
                    rate_per_s=self.limits.rate_per_s,
                    burst=self.limits.burst,
                    tokens=self.limits.burst,
                    updated_at=sa.func.clock_timestamp(),
                )
                .on_conflict_do_update(
                    index_elements=[RateBudget.name],
                    set_={"rate_per_s": self.limits.rate_per_s, "burst": self.limits.burst},
                )
            )
            await session.commit()

    async def acquire(self) -> float:
        """Take one call's token, waiting as needed; returns the seconds waited.

        Raises ``BudgetDeferred`` (background) or ``RateLimited`` (seller) when waiting longer is pointless.
        """
        priority = current_priority()
        limit = (
            self.limits.background_max_wait_s
            if priority is Priority.BACKGROUND
            else self.limits.seller_max_wait_s
        )
        waited = 0.0
        while True:
            verdict = await self._take(priority)
            if verdict.wait_s <= 0:
                return waited
            if verdict.defer is not None:
                raise BudgetDeferred(verdict.defer, details={"retry_after_s": verdict.wait_s})
            if waited + verdict.wait_s > limit:
                if priority is Priority.BACKGROUND:
                    raise BudgetDeferred("sellers' calls need Etsy's budget now")
                raise RateLimited(
                    "Etsy's limit for this app is reached for now", retry_after_s=verdict.wait_s
                )
            await asyncio.sleep(verdict.wait_s)
            waited += verdict.wait_s

    async def _take(self, priority: Priority) -> Verdict:
        async with self.db.session() as session:
            found = (
                await session.execute(
                    sa.select(RateBudget, sa.func.clock_timestamp())
                    .where(RateBudget.name == self.name)
                    .with_for_update()
                )
            ).one_or_none()
            if found is None:  # started before the migrations ran: the row comes now
                await session.rollback()
                await self.ensure()
                return Verdict(0.001)
            row, now = found
            verdict = self._decide(row, now, priority)
            await session.commit()
        return verdict

    def _decide(self, row: RateBudget, now: datetime, priority: Priority) -> Verdict:
        """Refill, then grant or say how long to wait; changes ``row`` (committed by the caller)."""
        elapsed = max(0.0, (now - row.updated_at).total_seconds())
        row.tokens = min(row.burst, row.tokens + elapsed * row.rate_per_s)
        row.updated_at = now
        if row.paused_until is not None and row.paused_until > now:
            return Verdict((row.paused_until - now).total_seconds())
        if priority is Priority.BACKGROUND:
            if row.remaining_today is not None and row.remaining_today < self.limits.background_daily_floor:
                return Verdict(60.0, defer=f"only {row.remaining_today} Etsy calls left today")
            if row.seller_waiting_until is not None and row.seller_waiting_until > now:
                return Verdict(min(1.0, (row.seller_waiting_until - now).total_seconds()))
            needed = 1.0 + min(self.limits.background_reserve, row.burst - 1.0)
            if row.tokens < needed:
                return Verdict((needed - row.tokens) / row.rate_per_s)
        elif row.tokens < 1.0:
            wait = (1.0 - row.tokens) / row.rate_per_s
            row.seller_waiting_until = now + timedelta(seconds=wait + 0.2)
            return Verdict(wait)
        row.tokens -= 1.0
        if row.remaining_today is not None:
            row.remaining_today = max(0, row.remaining_today - 1)
        return Verdict(0.0)

    async def pause(self, seconds: float) -> None:
        """Nobody calls Etsy for ``seconds`` (a 429's Retry-After); never shortens a longer pause."""
        async with self.db.session() as session:
            until = sa.func.clock_timestamp() + sa.func.make_interval(0, 0, 0, 0, 0, 0, max(0.0, seconds))
            await session.execute(
                sa.update(RateBudget)
                .where(RateBudget.name == self.name)
                .values(
                    tokens=0.0,
                    updated_at=sa.func.clock_timestamp(),
                    paused_until=sa.func.greatest(sa.func.coalesce(RateBudget.paused_until, until), until),
                )
            )
            await session.commit()
        logger.info("etsy budget paused", extra={"seconds": seconds})

    async def observe(self, headers: Mapping[str, str]) -> None:
        """Write Etsy's own count back: ``x-remaining-today`` (at most once a second per process, or at
        once when it falls under the floor), a lower ``x-limit-per-second``, and an empty second."""
        values: dict[str, object] = {}
        this_second = _int(headers.get("x-remaining-this-second"))
        if this_second == 0:
            values.update(tokens=0.0, updated_at=sa.func.clock_timestamp())
        remaining = _int(headers.get("x-remaining-today"))
        monotonic = time.monotonic()
        if remaining is not None and (
            monotonic - self._observed_at >= 1.0
            or (remaining < self.limits.background_daily_floor and self._observed_remaining != remaining)
        ):
            values.update(
                remaining_today=remaining,
                limit_per_day=_int(headers.get("x-limit-per-day")),
                remaining_seen_at=sa.func.clock_timestamp(),
            )
            per_second = _int(headers.get("x-limit-per-second"))
            if per_second:
                values["rate_per_s"] = float(min(self.limits.rate_per_s, per_second))
            self._observed_at, self._observed_remaining = monotonic, remaining
        if not values:
            return
        async with self.db.session() as session:
            await session.execute(sa.update(RateBudget).where(RateBudget.name == self.name).values(**values))
            await session.commit()

    async def state(self) -> RateBudget:
        """The row as it is now (tests, diagnostics)."""
        async with self.db.session() as session:
            return (
                await session.execute(sa.select(RateBudget).where(RateBudget.name == self.name))
            ).scalar_one()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
