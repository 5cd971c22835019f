"""Token-bucket rate limits shared by every gateway replica through Redis, per-replica when it is down.

One request checks all its buckets (per IP, per tenant, per route) in one Lua call, so it costs one
round trip and either consumes a token from every bucket or from none.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.config import RateLimitRule

logger = logging.getLogger(__name__)

# KEYS: bucket keys. ARGV: rate (tokens per ms) and burst, per key. Time comes from Redis so that
# replicas with skewed clocks agree. Returns allowed, the index of the tightest bucket, its remaining
# tokens, ms until it is full again, and ms until a denied request could pass.
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
local tightest = 1
local least = nil
for i = 1, n do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  if allowed == 1 then
    tokens[i] = tokens[i] - 1
    redis.call('HSET', KEYS[i], 't', tostring(tokens[i]), 'ts', now)
    redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate) + 1000)
  end
  local left = tokens[i] / burst
  if least == nil or left < least then least = left; tightest = i end
end
local rate = tonumber(ARGV[2 * tightest - 1])
local burst = tonumber(ARGV[2 * tightest])
local full_in = math.ceil((burst - tokens[tightest]) / rate)
return {allowed, tightest - 1, math.floor(math.max(0, tokens[tightest])), full_in, wait}
"""


@dataclass(slots=True)
class Decision:
    """The outcome for one request, with what its ``RateLimit-*`` headers say (tightest bucket)."""

    allowed: bool
    rule: RateLimitRule
    remaining: int
    reset_s: int
    retry_after_s: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        """``RateLimit-*`` headers (IETF httpapi draft), plus ``Retry-After`` when refused."""
        rule = self.rule
        window = max(1, round(rule.burst / rule.rate_per_s))
        out = [
            (b"ratelimit-limit", str(rule.burst).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
            (b"ratelimit-policy", f"{rule.burst};w={window};name={rule.name}".encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after_s).encode()))
        return out


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
        states: list[tuple[RateLimitRule, list[float], float, float]] = []
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
            states.append((rule, state, rate, burst))
        tightest = states[0]
        for entry in states:
            if allowed:
                entry[1][0] -= 1
            if entry[1][0] / entry[3] < tightest[1][0] / tightest[3]:
                tightest = entry
        rule, state, rate, burst = tightest
        return Decision(
            allowed=allowed,
            rule=rule,
            remaining=max(0, math.floor(state[0])),
            reset_s=math.ceil((burst - state[0]) / rate),
            retry_after_s=max(1, math.ceil(wait)),
        )


class RateLimiter:
    """Checks a request's buckets in Redis; falls back to per-replica buckets while Redis is down."""

    def __init__(
        self,
        redis_url: str,
        *,
        key_prefix: str,
        timeout_s: float = 0.1,
        fallback_s: float = 5.0,
        replicas: int = 1,
    ) -> None:
        self.key_prefix = key_prefix
        self.fallback_s = fallback_s
        self.redis = aioredis.Redis.from_url(
            redis_url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            max_connections=64,
        )
        self._script = self.redis.register_script(TOKEN_BUCKET_LUA)
        self.local = _LocalBuckets(replicas)
        self._redis_down_until = 0.0

    @property
    def using_fallback(self) -> bool:
        """True while decisions are taken in this process only."""
        return time.monotonic() < self._redis_down_until

    async def check(self, buckets: list[tuple[RateLimitRule, str]]) -> Decision:
        """Take one token from every bucket, or from none when one of them is empty."""
        if not self.using_fallback:
            keys = [self.key_prefix + rule.name + ":" + key for rule, key in buckets]
            args: list[float] = []
            for rule, _ in buckets:
                args.append(rule.rate_per_s / 1000.0)
                args.append(rule.burst)
            try:
                allowed, index, remaining, full_in_ms, wait_ms = await self._script(keys=keys, args=args)
            except (RedisError, OSError) as exc:
                logger.warning(
                    "rate-limit store unreachable; per-replica buckets for %ss",
                    self.fallback_s,
                    extra={"error": repr(exc)},
                )
                self._redis_down_until = time.monotonic() + self.fallback_s
            else:
                return Decision(
                    allowed=bool(allowed),
                    rule=buckets[int(index)][0],
                    remaining=int(remaining),
                    reset_s=math.ceil(int(full_in_ms) / 1000),
                    retry_after_s=max(1, math.ceil(int(wait_ms) / 1000)),
                )
        return self.local.check(buckets)

    async def ping(self) -> bool:
        """Whether Redis answers now."""
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.redis.aclose()
