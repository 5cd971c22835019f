"""What the kit's token verification costs per request, and what a cache of verified tokens would save.

    uv run --frozen python bench/auth/verify.py [--calls 20000]

One process, one call after another, no network: a real 2048-bit RS256 token (as auth-service signs them),
the kit's ``TokenVerifier`` with its keys in memory and a revocation list kept fresh in memory (so every
row pays the revocation check, as a service does). Prints one table: CPU µs per call (``process_time``),
p50 / p99 wall µs per call, and calls per second of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jwt
from _common import table
from vitrine_kit.auth.cache import TokenCache
from vitrine_kit.auth.jwt import ALGORITHMS, REQUIRED_CLAIMS, TokenVerifier
from vitrine_kit.auth.principal import Principal
from vitrine_kit.auth.revocation import RevocationList, RevocationPage
from vitrine_kit.testing.tokens import AUDIENCE, ISSUER, TestKeys


async def _no_revocations(since: float) -> RevocationPage:
    return RevocationPage([], time.time())


async def measure(name: str, call: Callable[[], Awaitable[Any]], calls: int) -> list[str]:
    for _ in range(min(500, calls)):  # warm-up
        await call()
    walls: list[float] = []
    cpu0 = time.process_time()
    for _ in range(calls):
        t0 = time.perf_counter()
        await call()
        walls.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu0) / calls
    walls.sort()
    p99 = walls[int(len(walls) * 0.99) - 1]
    return [
        name,
        f"{cpu * 1e6:.1f}",
        f"{statistics.median(walls) * 1e6:.1f}",
        f"{p99 * 1e6:.1f}",
        f"{1 / cpu:,.0f}",
    ]


async def main(calls: int) -> None:
    keys = TestKeys()
    token = keys.issue(tenant_id=uuid.uuid4(), roles=["owner"], ttl_s=3600)
    revocations = RevocationList(_no_revocations, refresh_s=3600)
    verifier = keys.verifier(revocations=revocations)
    await verifier.verify(token)
    key = await verifier.keys.get(keys.kid)
    cached = TokenVerifier(
        verifier.keys, issuer=ISSUER, audience=AUDIENCE, revocations=revocations, cache=TokenCache()
    )

    async def header_only() -> Any:
        return jwt.get_unverified_header(token)

    async def decode_only() -> Any:
        return jwt.decode(
            token,
            key=key,
            algorithms=ALGORITHMS,
            audience=[AUDIENCE, AUDIENCE + "-plugin"],
            issuer=ISSUER,
            leeway=5.0,
            options={"require": REQUIRED_CLAIMS, "verify_nbf": True},
        )

    async def revocation_only() -> Any:
        return await revocations.is_revoked(Principal.from_claims(claims).kind, claims)

    async def kit_verify() -> Any:
        return await verifier.verify(token)

    async def kit_cached() -> Any:
        return await cached.verify(token)

    claims = await verifier.verify_claims(token)
    rows = [
        await measure("unverified header (PyJWT)", header_only, calls),
        await measure("RS256 decode + claims (PyJWT)", decode_only, calls),
        await measure("revocation check (in memory)", revocation_only, calls),
        await measure("TokenVerifier.verify (what a request pays)", kit_verify, calls),
        await measure("the same with TokenCache: a hit (revocation checked)", kit_cached, calls),
    ]
    print(f"{calls} calls each, one process, 2048-bit RS256 token")
    print(table(["step", "CPU µs / call", "p50 µs", "p99 µs", "calls/s of one core"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().calls))
