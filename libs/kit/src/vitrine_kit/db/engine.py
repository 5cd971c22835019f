"""The async engines of one service's databases, and sessions bound to ``shared`` or to one tenant."""

from __future__ import annotations

import functools
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.util import find_tables
from sqlalchemy.util import await_only

from vitrine_kit.db import held
from vitrine_kit.db.base import SHARED_SCHEMA, KitBase
from vitrine_kit.db.models import Tenant, TenantStatus
from vitrine_kit.db.shards import HOME, ShardMap, parse_shards
from vitrine_kit.settings import BaseServiceSettings


def schema_for(tenant_id: uuid.UUID) -> str:
    """The schema of a tenant: ``t_`` + the UUID's 32 hex digits (always a safe identifier)."""
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError("tenant_id must be a UUID")
    return f"t_{tenant_id.hex}"


def _service_wide(mapper: Any, clause: Any) -> bool:
    """Whether a statement touches only the service's own ``shared`` tables (those live in the home database
    only), not tenant tables, nor ``colocated`` tables, nor the kit's per-database tables (outbox, inbox,
    idempotency keys): those go to the tenant's database."""
    tables: list[Any] = []
    if isinstance(mapper, Mapper):
        tables = list(mapper.tables)
    elif clause is not None:
        tables = find_tables(clause, include_aliases=True, include_crud=True)
    if not tables:
        return False
    for table in tables:
        if not isinstance(table, TableClause) or table.schema != SHARED_SCHEMA:
            return False
        if table.fullname in KitBase.metadata.tables:
            return False
    return True


class _RoutedSession(Session):
    """A tenant session of a sharded service: each statement is bound to the tenant's database, looked up
    in the shard map (cached; awaited inside SQLAlchemy's greenlet on a miss)."""

    def get_bind(
        self, mapper: Any = None, *, clause: Any = None, bind: Any = None, **kw: Any
    ) -> Engine | Connection:
        if bind is not None:
            return bind  # type: ignore[no-any-return]
        route = self.info["vitrine_route"]
        return route(_service_wide(mapper, clause))  # type: ignore[no-any-return]


class Database:
    """Owns the engines; hands out sessions that are either service-wide or bound to one tenant.

    A tenant-bound session maps every table declared with ``schema=None`` to the tenant's schema through
    ``schema_translate_map`` on its own engine view, so pooled connections never carry tenant state. With
    ``shards`` (name → URL, besides ``url``, the home database) the session goes to the tenant's database;
    the service's own ``shared`` tables stay in the home database (see docs/capacity.md).
    """

    def __init__(
        self,
        url: str,
        *,
        shards: Mapping[str, str] | None = None,
        shard_cache_ttl_s: float = 5.0,
        pool_size: int = 10,
        max_overflow: int = 10,
        pool_timeout: float = 10.0,
        pre_ping: bool = False,
        recycle_s: int = 1800,
        echo: bool = False,
    ) -> None:
        self.url = url
        self.urls: dict[str, str] = {HOME: url, **{k: v for k, v in (shards or {}).items() if k != HOME}}
        self.engines: dict[str, AsyncEngine] = {
            name: create_async_engine(
                shard_url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                # No ping by default (a round trip per checkout halves consumer throughput); a dead connection
                # raises a disconnect error, SQLAlchemy then drops the whole pool, and the request answers 503.
                pool_pre_ping=pre_ping,
                pool_recycle=recycle_s,
                echo=echo,
            )
            for name, shard_url in self.urls.items()
        }
        for engine in self.engines.values():
            held.track(engine)  # the guard against awaiting another service with a connection checked out
        self.engine: AsyncEngine = self.engines[HOME]
        self.shard_map = ShardMap(self.engine, list(self.urls), cache_ttl_s=shard_cache_ttl_s)
        self._shared_sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._database_sessions = {
            name: async_sessionmaker(engine, expire_on_commit=False) for name, engine in self.engines.items()
        }
        self._tenant_makers: OrderedDict[uuid.UUID, async_sessionmaker[AsyncSession]] = OrderedDict()
        self._binds: dict[tuple[str, uuid.UUID], Engine] = {}

    @property
    def sharded(self) -> bool:
        return len(self.engines) > 1

    def session(self) -> AsyncSession:
        """A session for service-wide tables only (``shared`` of the home database)."""
        return self._shared_sessions()

    @property
    def names(self) -> list[str]:
        """The service's databases, ``home`` first."""
        return list(self.engines)

    def database_session(self, name: str) -> AsyncSession:
        """A session on one database, for what every database holds: its ``colocated`` rows (a loop scans
        each database with one of these) and the kit's tables."""
        return self._database_sessions[name]()

    async def tenant_ids(self) -> list[uuid.UUID]:
        """The live tenants (provisioned, not deleted) of every database of the service."""
        found: list[uuid.UUID] = []
        for engine in self.engines.values():
            async with engine.connect() as conn:
                rows = await conn.scalars(sa.select(Tenant.id).where(Tenant.status != TenantStatus.DELETED))
                found.extend(rows)
        return found

    async def engine_for(self, tenant_id: uuid.UUID, *, place: bool = False) -> AsyncEngine:
        """The engine of the tenant's database (``TenantMoving`` while it moves)."""
        return self.engines[await self.shard_map.shard_of(tenant_id, place=place)]

    def tenant_session(self, tenant_id: uuid.UUID) -> AsyncSession:
        """A session bound to one tenant for its whole life."""
        maker = self._tenant_makers.get(tenant_id)
        if maker is None:
            if self.sharded:
                maker = async_sessionmaker(
                    sync_session_class=_RoutedSession,
                    expire_on_commit=False,
                    info={"vitrine_route": functools.partial(self._route, tenant_id)},
                )
            else:
                bind = self.engine.execution_options(schema_translate_map={None: schema_for(tenant_id)})
                maker = async_sessionmaker(bind, expire_on_commit=False)
            self._tenant_makers[tenant_id] = maker
            if len(self._tenant_makers) > 4096:
                evicted, _ = self._tenant_makers.popitem(last=False)
                for name in self.engines:
                    self._binds.pop((name, evicted), None)
        else:
            self._tenant_makers.move_to_end(tenant_id)
        return maker()

    def _bind(self, shard: str, tenant_id: uuid.UUID) -> Engine:
        bind = self._binds.get((shard, tenant_id))
        if bind is None:
            bind = self.engines[shard].sync_engine.execution_options(
                schema_translate_map={None: schema_for(tenant_id)}
            )
            self._binds[(shard, tenant_id)] = bind
        return bind

    def _route(self, tenant_id: uuid.UUID, service_wide: bool) -> Engine:
        placement = self.shard_map.cached(tenant_id)
        if placement is not None:
            shard = self.shard_map.usable(placement)
        else:
            shard = await_only(self.shard_map.shard_of(tenant_id))
        # Same bind object for everything of a tenant on home: one connection, one transaction.
        return self._bind(HOME if service_wide else shard, tenant_id)

    async def dispose(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()


def database_from_settings(settings: BaseServiceSettings, **overrides: Any) -> Database:
    """The service's ``Database``: its home database, its shards, its pool settings."""
    url = settings.database_url.get_secret_value()
    options: dict[str, Any] = {
        "shards": parse_shards(settings.database_shards.get_secret_value(), url),
        "shard_cache_ttl_s": settings.shard_map_cache_ttl_s,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_s,
        "pre_ping": settings.db_pool_pre_ping,
        "recycle_s": settings.db_pool_recycle_s,
    }
    return Database(url, **(options | overrides))
