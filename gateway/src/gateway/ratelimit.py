"""Token-bucket rate limits shared by every gateway replica through Redis, per-replica when it is down.

A request that waits for Redis checks all its buckets (per IP, per tenant, per route) in one Lua call, so
it costs one round trip and either consumes a token from every bucket or from none. Far from the limit a
request is admitted on this replica's view and Redis is told later, with the other admissions of the
same few milliseconds, in one debit per bucket (see ``RateLimiter``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import math
import time
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError

from gateway.config import RateLimitRule

logger = logging.getLogger(__name__)

# KEYS: bucket keys. ARGV: rate (tokens per ms) and burst, per key. Time comes from Redis so that
# replicas with skewed clocks agree. Returns allowed (1/0), ms until a refused request could pass, and
# each bucket's tokens left, in thousandths (Lua numbers become integers on the way out).
TOKEN_BUCKET_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local tokens = {}
local allowed = 1
local wait = 0
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', KEYS[i], 't', 'ts')
  local tk = tonumber(b[1])
  local ts = tonumber(b[2])
  if tk == nil or ts == nil then tk = burst; ts = now end
  tk = math.min(burst, tk + math.max(0, now - ts) * rate)
  tokens[i] = tk
  if tk < 1 then
    allowed = 0
    local w = math.ceil((1 - tk) / rate)
    if w > wait then wait = w end
  end
end
local out = {allowed, wait}
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  if allowed == 1 then
    tokens[i] = tokens[i] - 1
    redis.call('HSET', KEYS[i], 't', tostring(tokens[i]), 'ts', now)
    redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate) + 1000)
  end
  out[i + 2] = math.floor(tokens[i] * 1000)
end
return out
"""


# KEYS: bucket keys. ARGV: rate (tokens per ms), burst and admissions to debit, per key. The admissions
# were already let through on a replica's view, so they are taken whatever is left (a bucket may go below
# zero: the overshoot is then paid back before anything else passes). Returns each bucket's tokens left, in
# thousandths.
DEBIT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  local rate = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local n = tonumber(ARGV[3 * i])
  local b = redis.call('HMGET', KEYS[i], 't', 'ts')
  local tk = tonumber(b[1])
  local ts = tonumber(b[2])
  if tk == nil or ts == nil then tk = burst; ts = now end
  tk = math.min(burst, tk + math.max(0, now - ts) * rate) - n
  redis.call('HSET', KEYS[i], 't', tostring(tk), 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst + n) / rate) + 1000)
  out[i] = math.floor(tk * 1000)
end
return out
"""
_SCRIPTS = (TOKEN_BUCKET_LUA, DEBIT_LUA)


class Decision:
    """The outcome for one request, with what its ``RateLimit-*`` headers say (tightest bucket). A plain
    class: one per request, its ``__init__`` native when compiled."""

    __slots__ = ("allowed", "remaining", "reset_s", "retry_after_s", "rule")

    def __init__(
        self, *, allowed: bool, rule: RateLimitRule, remaining: int, reset_s: int, retry_after_s: int
    ) -> None:
        self.allowed = allowed
        self.rule = rule
        self.remaining = remaining
        self.reset_s = reset_s
        self.retry_after_s = retry_after_s

    def headers(self) -> list[tuple[bytes, bytes]]:
        """``RateLimit-*`` headers (IETF httpapi draft); a refusal adds its own ``Retry-After``."""
        rule = self.rule
        window = max(1, round(rule.burst / rule.rate_per_s))
        return [
            (b"ratelimit-limit", str(rule.burst).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
            (b"ratelimit-policy", f"{rule.burst};w={window};name={rule.name}".encode()),
        ]


def decide(
    buckets: list[tuple[RateLimitRule, str]], tokens: list[float], allowed: bool, wait_s: float
) -> Decision:
    """The decision for a request from each bucket's tokens left; headers speak for the tightest one."""
    index = min(range(len(buckets)), key=lambda i: tokens[i] / buckets[i][0].burst)
    rule = buckets[index][0]
    left = tokens[index]
    return Decision(
        allowed=allowed,
        rule=rule,
        remaining=max(0, math.floor(left)),
        reset_s=math.ceil(max(0.0, rule.burst - left) / rule.rate_per_s),
        retry_after_s=max(1, math.ceil(wait_s)),
    )


class _LocalBuckets:
    """In-process buckets, used while Redis is unreachable; each replica enforces its share."""

    MAX_KEYS = 100_000

    def __init__(self, replicas: int) -> None:
        self.share = 1.0 / max(1, replicas)
        self._buckets: dict[str, list[float]] = {}

    def check(self, buckets: list[tuple[RateLimitRule, str]]) -> Decision:
        now = time.monotonic()
        if len(self._buckets) > self.MAX_KEYS:
            self._buckets.clear()  # a flood of distinct keys: forgetting them only resets them to full
        states: list[list[float]] = []
        allowed = True
        wait = 0.0
        for rule, key in buckets:
            rate = rule.rate_per_s * self.share
            burst = max(1.0, rule.burst * self.share)
            state = self._buckets.get(key)
            if state is None:
                state = self._buckets[key] = [burst, now]
            state[0] = min(burst, state[0] + (now - state[1]) * rate)
            state[1] = now
            if state[0] < 1:
                allowed = False
                wait = max(wait, (1 - state[0]) / rate)
            states.append(state)
        if allowed:
            for state in states:
                state[0] -= 1
        # Headers describe the whole limit, so the share is scaled back up.
        return decide(buckets, [s[0] / self.share for s in states], allowed, wait)


# Redis names scripts by their SHA1.
_SHA = {script: hashlib.sha1(script.encode()).hexdigest() for script in _SCRIPTS}  # noqa: S324
_Call = tuple[str, list[str], list[float], "asyncio.Future[Any]"]


class _ScriptBatcher:
    """Sends checks to Redis as pipelines, one in flight at a time: checks that arrive meanwhile go in the
    next one. Under load many requests share one round trip and one socket write (a third of the CPU of
    a call each); when idle a check goes out at once, so it adds no latency."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self._pending: list[_Call] = []
        self._in_flight: asyncio.Task[None] | None = None

    def run(self, script: str, keys: list[str], args: list[float]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((_SHA[script], keys, args, future))
        if self._in_flight is None:
            self._in_flight = asyncio.get_running_loop().create_task(self._drain())
        return future

    @property
    def in_flight(self) -> asyncio.Task[None] | None:
        """The task sending pipelines, while there is one."""
        return self._in_flight

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                await self._execute(batch)
        finally:
            self._in_flight = None

    async def _execute(self, batch: list[_Call]) -> None:
        try:
            results = await self._pipeline(batch)
            if any(isinstance(r, NoScriptError) for r in results):  # Redis restarted or scripts flushed
                for script in _SCRIPTS:
                    await self.redis.script_load(script)
                results = await self._pipeline(batch)
        except Exception as exc:
            results = [exc] * len(batch)
        for (_, _, _, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _pipeline(self, batch: list[_Call]) -> list[Any]:
        pipe = self.redis.pipeline(transaction=False)
        for sha, keys, args, _ in batch:
            pipe.evalsha(sha, len(keys), *keys, *args)
        return list(await pipe.execute(raise_on_error=False))


class RateLimiter:
    """Checks a request's buckets in Redis; falls back to per-replica buckets while Redis is down.

    Every request is counted in Redis, but a request only waits for Redis's answer when this replica's
    last view of its buckets (Redis's figures, minus what it let through since, plus the refill) is
    near empty (below ``margin`` of the burst), older than ``max_view_age_s``, or already has
    ``margin * burst / replicas`` admissions that Redis has not confirmed yet. Far from the limit the
    request is admitted at once and its tokens are debited later: every ``sync_s`` one call per batch of
    buckets tells Redis how many requests each let through (and brings back Redis's figures), so a busy
    replica costs Redis a few calls a second, not one per request; a request that must wait sends the
    debits first, in the same pipeline, so Redis decides on every admission made before it. Near the limit
    every decision is Redis's own. All replicas together can let through at most ``margin * burst``
    requests more than the bucket holds.
    """

    MAX_ESTIMATES = 100_000
    DEBIT_KEYS_PER_CALL = 256

    def __init__(
        self,
        redis_url: str,
        *,
        key_prefix: str,
        timeout_s: float = 0.1,
        fallback_s: float = 5.0,
        replicas: int = 1,
        margin: float = 0.25,
        max_view_age_s: float = 1.0,
        sync_s: float = 0.05,
    ) -> None:
        self.key_prefix = key_prefix
        self.fallback_s = fallback_s
        self.margin = margin
        self.replicas = max(1, replicas)
        self.max_view_age_s = max_view_age_s
        self.sync_s = sync_s
        self.redis = aioredis.Redis.from_url(
            redis_url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            max_connections=64,
        )
        self._batcher = _ScriptBatcher(self.redis)
        self.local = _LocalBuckets(replicas)
        self._redis_down_until = 0.0
        # Redis key -> [tokens, monotonic time, unconfirmed admissions]: this replica's view of a bucket.
        self._estimates: dict[str, list[float]] = {}
        # Redis key -> [rate per ms, burst, admissions Redis has not been sent yet].
        self._debits: dict[str, list[float]] = {}
        self._sync: asyncio.TimerHandle | None = None

    @property
    def using_fallback(self) -> bool:
        """True while decisions are taken in this process only."""
        return time.monotonic() < self._redis_down_until

    async def check(self, buckets: list[tuple[RateLimitRule, str]]) -> Decision:
        """Take one token from every bucket, or from none when one of them is empty."""
        if self.using_fallback:
            return self.local.check(buckets)
        keys = [self.key_prefix + rule.name + ":" + key for rule, key in buckets]
        optimistic = self._optimistic(buckets, keys)
        if optimistic is not None:
            self._defer(buckets, keys)
            return optimistic
        self._send_debits()  # ahead of this check in the pipeline: Redis counts every earlier admission
        args: list[float] = []
        for rule, _ in buckets:
            args.append(rule.rate_per_s / 1000.0)
            args.append(rule.burst)
        future = self._batcher.run(TOKEN_BUCKET_LUA, keys, args)
        try:
            reply = await future
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
            return self.local.check(buckets)
        allowed, wait_ms, tokens = self._record(reply, keys)
        return decide(buckets, tokens, allowed, wait_ms / 1000)

    def _optimistic(self, buckets: list[tuple[RateLimitRule, str]], keys: list[str]) -> Decision | None:
        now = time.monotonic()
        views: list[list[float]] = []
        tokens: list[float] = []
        for (rule, _), key in zip(buckets, keys, strict=True):
            view = self._estimates.get(key)
            if view is None or now - view[1] > self.max_view_age_s:
                return None
            # Unconfirmed admissions are capped so that all replicas together overshoot by < margin * burst.
            if view[2] >= max(1.0, rule.burst * self.margin / self.replicas):
                return None
            left = min(rule.burst, view[0] + (now - view[1]) * rule.rate_per_s)
            if left - 1 < rule.burst * self.margin:
                return None
            views.append(view)
            tokens.append(left - 1)
        for view, left in zip(views, tokens, strict=True):
            view[0], view[1] = left, now
            view[2] += 1
        return decide(buckets, tokens, True, 0.0)

    def _record(self, reply: list[Any], keys: list[str]) -> tuple[bool, int, list[float]]:
        """Redis's decision on a check; this replica's view becomes Redis's figures, minus the admissions
        it made that Redis had not been told of yet."""
        allowed, wait_ms, *milli_tokens = (int(v) for v in reply)
        tokens = [m / 1000 for m in milli_tokens]
        if len(self._estimates) > self.MAX_ESTIMATES:
            self._estimates.clear()  # only costs a round of waiting for Redis
        now = time.monotonic()
        for key, left in zip(keys, tokens, strict=True):
            view = self._estimates.get(key)
            unsent = view[2] if view is not None else 0.0
            self._estimates[key] = [left - unsent, now, unsent]
        return bool(allowed), wait_ms, tokens

    def _defer(self, buckets: list[tuple[RateLimitRule, str]], keys: list[str]) -> None:
        """Count an admission made on this replica's view, for the next debit sent to Redis: within
        ``sync_s`` while the view keeps more than twice the margin of every burst, at once otherwise (so
        that other replicas see it before they come near the limit themselves)."""
        soon = False
        for (rule, _), key in zip(buckets, keys, strict=True):
            debit = self._debits.get(key)
            if debit is None:
                self._debits[key] = [rule.rate_per_s / 1000.0, rule.burst, 1.0]
            else:
                debit[2] += 1
            view = self._estimates.get(key)
            soon = soon or view is None or view[0] < rule.burst * 2 * self.margin
        if soon:
            self._send_debits()
        elif self._sync is None:
            self._sync = asyncio.get_running_loop().call_later(self.sync_s, self._send_debits)

    def _send_debits(self) -> None:
        """Queue the admissions made since the last debit (one script call per batch of buckets)."""
        if self._sync is not None:
            self._sync.cancel()
            self._sync = None
        if not self._debits:
            return
        debits, self._debits = list(self._debits.items()), {}
        for start in range(0, len(debits), self.DEBIT_KEYS_PER_CALL):
            part = debits[start : start + self.DEBIT_KEYS_PER_CALL]
            keys = [key for key, _ in part]
            counts = [debit[2] for _, debit in part]
            args = [value for _, debit in part for value in debit]
            future = self._batcher.run(DEBIT_LUA, keys, args)
            future.add_done_callback(functools.partial(self._absorb, keys=keys, counts=counts))

    def _absorb(self, future: asyncio.Future[Any], keys: list[str], counts: list[float]) -> None:
        """A debit came back: refresh this replica's view with Redis's figures, minus what this replica
        let through since it was sent."""
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, RedisError | OSError):
                self._redis_failed(exc)
            for key, n in zip(keys, counts, strict=True):
                view = self._estimates.get(key)
                if view is not None:
                    view[2] = max(0.0, view[2] - n)
            return
        now = time.monotonic()
        for key, milli, n in zip(keys, future.result(), counts, strict=True):
            view = self._estimates.get(key)
            unsent = max(0.0, view[2] - n) if view is not None else 0.0
            self._estimates[key] = [int(milli) / 1000 - unsent, now, unsent]

    def _redis_failed(self, exc: BaseException) -> None:
        if not self.using_fallback:
            logger.warning(
                "rate-limit store unreachable; per-replica buckets for %ss",
                self.fallback_s,
                extra={"error": repr(exc)},
            )
        self._redis_down_until = time.monotonic() + self.fallback_s
        self._estimates.clear()
        self._debits.clear()

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        """Send what is still to be debited (for a second at most), then close the connections."""
        self._send_debits()
        if (in_flight := self._batcher.in_flight) is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(in_flight), 1.0)
        await self.redis.aclose()
