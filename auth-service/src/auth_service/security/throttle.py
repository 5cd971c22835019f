"""Login throttling in PostgreSQL (every replica sees the same counters).

Per key (an account or an IP): the first ``free_failures`` failures in a window cost nothing; each further
one doubles a delay during which every attempt is answered 429 with ``Retry-After``. An account is locked
hard once ``lock_after`` failures pile up faster than they drain (a leaky bucket: one failure forgotten
every ``lock_window_s / lock_after``), until the lock expires or the password is reset; so a stray bad
login now and then never locks anyone. A successful login clears the account's counters (not the IP's, so
one valid account cannot launder an IP).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.engine import Database
from vitrine_kit.errors import TooManyRequests

from auth_service.config import Settings
from auth_service.models import LoginThrottle


class LoginThrottled(TooManyRequests):
    code, title = "login-throttled", "Too many failed attempts"


@dataclass(frozen=True)
class ThrottlePolicy:
    """How one kind of key is throttled; ``lock_after=None`` means never locked hard."""

    free_failures: int
    window_s: int
    base_delay_s: float
    max_delay_s: float
    lock_after: int | None = None
    lock_s: int = 3600
    # The lock's bucket drains ``lock_after`` failures over this long.
    lock_window_s: int = 6 * 3600


def account_key(email: str) -> str:
    return f"account:{email.lower()}"


def ip_key(address: str, purpose: str = "login") -> str:
    return f"ip:{purpose}:{address}"


def _drain(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> None:
    """Forget the failures that leaked out of the lock's bucket since it was last drained."""
    if policy.lock_after is None:
        return
    step = timedelta(seconds=policy.lock_window_s / policy.lock_after)
    if row.drained_at is None or row.consecutive_failures <= 0:
        row.consecutive_failures, row.drained_at = 0, now
        return
    leaked = int((now - row.drained_at) / step)
    if leaked:
        row.consecutive_failures = max(0, row.consecutive_failures - leaked)
        row.drained_at += leaked * step


def record_failure(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> None:
    """Count one failure on ``row`` and set its delay or lock."""
    if row.window_started_at is None or now - row.window_started_at > timedelta(seconds=policy.window_s):
        row.window_started_at = now
        row.window_failures = 0
    row.window_failures += 1
    _drain(row, policy, now)
    row.consecutive_failures += 1
    over = row.window_failures - policy.free_failures
    if over >= 0:
        delay = min(policy.max_delay_s, policy.base_delay_s * 2**over)
        row.blocked_until = now + timedelta(seconds=delay)
    if policy.lock_after is not None and row.consecutive_failures >= policy.lock_after:
        row.locked_until = now + timedelta(seconds=policy.lock_s)


def wait_seconds(row: LoginThrottle | None, now: datetime) -> float:
    """How long attempts on this key must wait (0 when they may proceed)."""
    if row is None:
        return 0.0
    until = max((t for t in (row.blocked_until, row.locked_until) if t is not None), default=None)
    return max(0.0, (until - now).total_seconds()) if until is not None else 0.0


class LoginThrottler:
    """Checks and records attempts; each write is its own short transaction, committed even when the
    request answers an error (a failure that rolled back would not be counted)."""

    def __init__(self, db: Database, account: ThrottlePolicy, ip: ThrottlePolicy) -> None:
        self.db = db
        self.policies = {"account": account, "ip": ip}

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> LoginThrottler:
        window, base, cap = (
            settings.throttle_window_s,
            settings.throttle_base_delay_s,
            settings.throttle_max_delay_s,
        )
        return cls(
            db,
            ThrottlePolicy(
                free_failures=settings.account_free_failures,
                window_s=window,
                base_delay_s=base,
                max_delay_s=cap,
                lock_after=settings.account_lock_after,
                lock_s=settings.account_lock_s,
                lock_window_s=settings.account_lock_window_s,
            ),
            ThrottlePolicy(
                free_failures=settings.ip_free_failures, window_s=window, base_delay_s=base, max_delay_s=cap
            ),
        )

    def _policy(self, key: str) -> ThrottlePolicy:
        return self.policies[key.split(":", 1)[0]]

    async def check(self, keys: Sequence[str]) -> None:
        """Raise 429 with ``Retry-After`` when any key must still wait."""
        now = utcnow()
        async with self.db.session() as session:
            rows = (
                await session.execute(sa.select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            ).scalars()
            wait = max((wait_seconds(row, now) for row in rows), default=0.0)
        if wait > 0:
            raise LoginThrottled("Too many failed attempts; retry later.", retry_after_s=math.ceil(wait))

    async def fail(self, keys: Sequence[str]) -> None:
        """Count a failure on each key (rows locked, so concurrent failures all count)."""
        now = utcnow()
        async with self.db.session() as session, session.begin():
            for key in sorted(keys):  # a fixed order: two requests never wait on each other's rows
                await session.execute(
                    insert(LoginThrottle)
                    .values(key=key, window_failures=0, consecutive_failures=0)
                    .on_conflict_do_nothing(index_elements=[LoginThrottle.key])
                )
                row = (
                    await session.execute(
                        sa.select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
                    )
                ).scalar_one()
                record_failure(row, self._policy(key), now)

    async def clear(self, key: str) -> None:
        """Forget a key's failures (successful login, password reset)."""
        async with self.db.session() as session, session.begin():
            await session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))
