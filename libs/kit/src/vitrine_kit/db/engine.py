"""The async engine of one service database, and sessions bound to ``shared`` or to one tenant."""

from __future__ import annotations

import uuid
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def schema_for(tenant_id: uuid.UUID) -> str:
    """The schema of a tenant: ``t_`` + the UUID's 32 hex digits (always a safe identifier)."""
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError("tenant_id must be a UUID")
    return f"t_{tenant_id.hex}"


class Database:
    """Owns the engine; hands out sessions that are either service-wide or bound to one tenant.

    A tenant-bound session maps every table declared with ``schema=None`` to the tenant's schema through
    ``schema_translate_map`` on its own engine view, so pooled connections never carry tenant state.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        pool_timeout: float = 10.0,
        pre_ping: bool = False,
        recycle_s: int = 1800,
        echo: bool = False,
    ) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            # No ping by default (a round trip per checkout halves consumer throughput); a dead connection
            # raises a disconnect error, SQLAlchemy then drops the whole pool, and the request answers 503.
            pool_pre_ping=pre_ping,
            pool_recycle=recycle_s,
            echo=echo,
        )
        self._shared_sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._tenant_makers: OrderedDict[uuid.UUID, async_sessionmaker[AsyncSession]] = OrderedDict()

    def session(self) -> AsyncSession:
        """A session for service-wide tables only (``shared``); tenant tables are unmapped in it."""
        return self._shared_sessions()

    def tenant_session(self, tenant_id: uuid.UUID) -> AsyncSession:
        """A session bound to one tenant for its whole life."""
        maker = self._tenant_makers.get(tenant_id)
        if maker is None:
            bind = self.engine.execution_options(schema_translate_map={None: schema_for(tenant_id)})
            maker = async_sessionmaker(bind, expire_on_commit=False)
            self._tenant_makers[tenant_id] = maker
            if len(self._tenant_makers) > 4096:
                self._tenant_makers.popitem(last=False)
        else:
            self._tenant_makers.move_to_end(tenant_id)
        return maker()

    async def dispose(self) -> None:
        await self.engine.dispose()
