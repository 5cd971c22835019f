"""The shard map: which of a service's databases holds each tenant's schema.

A service has one home database (``DATABASE_URL``: service-wide tables, the shard map) and, optionally,
more databases (``DATABASE_SHARDS="b=postgresql+asyncpg://…,c=…"``). Each database has the kit's ``shared``
schema (tenant registry, outbox, inbox, idempotency keys) and the schemas of the tenants placed on it; the
home database is itself the shard named ``home``. A new tenant goes to the database with the fewest tenants
(ties: home first, then the order of the setting). Placements live in ``shared.tenant_shards`` of the home
database and are cached per process for ``SHARD_MAP_CACHE_TTL_S``; a move waits that long after marking the
tenant ``moving``, so every process has seen the mark before the copy starts.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from vitrine_kit.db.models import ShardState, Tenant, TenantShard
from vitrine_kit.errors import ProblemError

HOME = "home"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PLACEMENT_LOCK = int.from_bytes(
    hashlib.blake2b(b"shard-placement", digest_size=8).digest(), "big", signed=True
)


class InvalidShards(ValueError):
    """``DATABASE_SHARDS`` does not parse."""


class TenantMoving(ProblemError):
    """The tenant's data is being copied to another database: retry in a few seconds."""

    status, code, title = 503, "tenant-moving", "This seller account is being moved; retry shortly"

    def __init__(self, detail: str | None = None, *, retry_after_s: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))})
        self.extra["retry_after"] = max(1, retry_after_s)


def parse_shards(spec: str, home_url: str) -> dict[str, str]:
    """``"b=url,c=url"`` → ``{"home": home_url, "b": url, "c": url}`` (names: lowercase, ``[a-z0-9_]``)."""
    shards = {HOME: home_url}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, url = part.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not url:
            raise InvalidShards(f"database shard {part.split('=')[0]!r} has no URL (expected name=url)")
        if not _NAME.match(name):
            raise InvalidShards(f"database shard name {name!r} must match {_NAME.pattern}")
        if name in shards:
            raise InvalidShards(f"database shard {name!r} is named twice (or is 'home', the DATABASE_URL)")
        if url in shards.values():
            raise InvalidShards(f"database shard {name!r} repeats the URL of another one")
        shards[name] = url
    return shards


@dataclass(frozen=True)
class Placement:
    shard: str
    state: ShardState
    target: str | None
    previous: str | None


class ShardMap:
    """Placement and lookup of tenants, cached per process. With one database it answers ``home`` at once."""

    def __init__(self, home: AsyncEngine, names: Sequence[str], *, cache_ttl_s: float = 5.0) -> None:
        self.home = home
        self.names = list(names)
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[uuid.UUID, tuple[float, Placement]] = {}

    @property
    def sharded(self) -> bool:
        return len(self.names) > 1

    def invalidate(self, tenant_id: uuid.UUID | None = None) -> None:
        if tenant_id is None:
            self._cache.clear()
        else:
            self._cache.pop(tenant_id, None)

    def cached(self, tenant_id: uuid.UUID) -> Placement | None:
        hit = self._cache.get(tenant_id)
        if hit is None or hit[0] <= time.monotonic():
            return None
        return hit[1]

    def _remember(self, tenant_id: uuid.UUID, placement: Placement) -> None:
        self._cache[tenant_id] = (time.monotonic() + self.cache_ttl_s, placement)
        if len(self._cache) > 100_000:
            self._cache.clear()

    async def lookup(self, tenant_id: uuid.UUID) -> Placement | None:
        """The tenant's row in the map, read now (``None``: never placed)."""
        async with self.home.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        TenantShard.shard, TenantShard.state, TenantShard.target, TenantShard.previous
                    ).where(TenantShard.tenant_id == tenant_id)
                )
            ).first()
        if row is None:
            return None
        return Placement(row.shard, ShardState(row.state), row.target, row.previous)

    def usable(self, placement: Placement) -> str:
        """The placement's database, or ``TenantMoving``."""
        if placement.state is ShardState.MOVING:
            raise TenantMoving(
                "This seller account is being moved to another database.",
                retry_after_s=int(self.cache_ttl_s) + 2,
            )
        return placement.shard

    async def shard_of(self, tenant_id: uuid.UUID, *, place: bool = False) -> str:
        """The database of the tenant; ``TenantMoving`` while it moves.

        Never placed: ``home`` (a tenant from before the map, or one that does not exist anywhere), unless
        ``place`` — then it is placed now (on ``home`` if its schema is already there).
        """
        if not self.sharded:
            return HOME
        hit = self.cached(tenant_id)
        if hit is not None:
            return self.usable(hit)
        placement = await self.lookup(tenant_id)
        if placement is None:
            if not place:
                return HOME
            placement = await self.place(tenant_id)
        self._remember(tenant_id, placement)
        return self.usable(placement)

    async def counts(self) -> dict[str, int]:
        """Tenants placed on each database (deleted tenants included: their rows stay)."""
        async with self.home.connect() as conn:
            rows = (
                await conn.execute(sa.select(TenantShard.shard, sa.func.count()).group_by(TenantShard.shard))
            ).all()
        found = {shard: int(n) for shard, n in rows}
        return {name: found.get(name, 0) for name in self.names}

    async def place(self, tenant_id: uuid.UUID) -> Placement:
        """Place the tenant (once: under a lock, replicas racing agree): ``home`` if its schema is already
        there, else the database with the fewest tenants."""
        async with self.home.begin() as conn:
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PLACEMENT_LOCK)))
            row = (
                await conn.execute(sa.select(TenantShard.shard).where(TenantShard.tenant_id == tenant_id))
            ).scalar()
            if row is None:
                # Known on home already (provisioned before the map, or deleted there): it stays there.
                on_home = (await conn.execute(sa.select(Tenant.id).where(Tenant.id == tenant_id))).scalar()
                if on_home is not None:
                    row = HOME
                else:
                    found = dict(
                        (
                            await conn.execute(
                                sa.select(TenantShard.shard, sa.func.count()).group_by(TenantShard.shard)
                            )
                        ).all()
                    )
                    row = min(self.names, key=lambda n: (found.get(n, 0), self.names.index(n)))
                await conn.execute(
                    insert(TenantShard)
                    .values(tenant_id=tenant_id, shard=row, state=ShardState.ACTIVE)
                    .on_conflict_do_nothing()
                )
        placement = Placement(row, ShardState.ACTIVE, None, None)
        self._remember(tenant_id, placement)
        return placement
