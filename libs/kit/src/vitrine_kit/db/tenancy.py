"""The tenant registry: provisioning (on ``tenant.created`` and on first use) and deletion."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.schema import DropSchema

from vitrine_kit.db.base import utcnow
from vitrine_kit.db.engine import Database, schema_for
from vitrine_kit.db.migrations import head_of, upgrade_tenant_sync
from vitrine_kit.db.models import Tenant, TenantStatus
from vitrine_kit.errors import NotFound, ProblemError

logger = logging.getLogger(__name__)
# False while a request named its tenant itself (a service token): such a tenant must already exist here.
_may_provision: ContextVar[bool] = ContextVar("may_provision", default=True)


class TenantGone(ProblemError):
    status, code, title = 410, "tenant-deleted", "This seller account has been deleted"


class TenantNotFound(NotFound):
    code, title = "tenant-not-found", "No such seller account"


@contextlib.contextmanager
def provisioning_refused() -> Iterator[None]:
    """Within the block, ``ensure`` answers 404 for an unknown tenant instead of creating it."""
    token = _may_provision.set(False)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):  # left from another context: nothing of ours to undo there
            _may_provision.reset(token)


def _lock_key(tenant_id: uuid.UUID) -> int:
    return int.from_bytes(
        hashlib.blake2b(b"tenant:" + tenant_id.bytes, digest_size=8).digest(), "big", signed=True
    )


class TenantRegistry:
    """Knows which tenant schemas exist and brings them into being, idempotently.

    ``ensure`` is called before every tenant-bound session: a cached tenant costs a set lookup; an unknown
    one is provisioned under a PostgreSQL advisory lock, so replicas racing on the same tenant create it once.
    """

    def __init__(self, db: Database, tenant_tree: Path) -> None:
        self.db = db
        self.tenant_tree = tenant_tree
        self.head = head_of(tenant_tree)
        # tenant -> monotonic time until which it is known to be provisioned; the TTL bounds how long a
        # replica that did not handle a deletion keeps trusting its cache.
        self._ready: dict[uuid.UUID, float] = {}
        self.cache_ttl_s = 60.0
        # Alembic keeps the running migration in module globals: one migration at a time per process.
        self._migrating = asyncio.Lock()

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._ready.pop(tenant_id, None)

    async def exists(self, tenant_id: uuid.UUID) -> bool:
        """Whether the tenant's schema was provisioned here and not deleted (never creates it)."""
        if self._ready.get(tenant_id, 0.0) > time.monotonic():
            return True
        engine = await self.db.engine_for(tenant_id)
        async with engine.connect() as conn:
            status = (await conn.execute(sa.select(Tenant.status).where(Tenant.id == tenant_id))).scalar()
        return status is not None and status is not TenantStatus.DELETED

    async def ensure(self, tenant_id: uuid.UUID, *, provision: bool | None = None) -> str:
        """Return the tenant's schema, provisioning it first if needed; ``TenantGone`` if deleted.

        ``provision=False`` (the default in a request authenticated by a service token) answers
        ``TenantNotFound`` for a tenant never provisioned here: a caller naming a tenant cannot create one.
        """
        if self._ready.get(tenant_id, 0.0) > time.monotonic():
            return schema_for(tenant_id)
        engine = await self.db.engine_for(tenant_id)
        async with engine.connect() as conn:
            row = (
                await conn.execute(sa.select(Tenant.status, Tenant.revision).where(Tenant.id == tenant_id))
            ).first()
        if row is not None and row.status is TenantStatus.DELETED:
            raise TenantGone("This seller account was deleted.")
        if row is None and not (_may_provision.get() if provision is None else provision):
            raise TenantNotFound("No seller account has this id.")
        if row is None or row.revision != self.head:
            await self.provision(tenant_id)
        self._ready[tenant_id] = time.monotonic() + self.cache_ttl_s
        return schema_for(tenant_id)

    async def provision(self, tenant_id: uuid.UUID) -> None:
        """Create the tenant's schema and migrate it to head (a no-op when it already is)."""
        schema = schema_for(tenant_id)
        # A new tenant is placed on one of the service's databases here (once; see shards.py).
        engine = await self.db.engine_for(tenant_id, place=True)
        async with self._migrating, engine.connect() as conn, conn.begin():
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(tenant_id))))
            status = (await conn.execute(sa.select(Tenant.status).where(Tenant.id == tenant_id))).scalar()
            if status is TenantStatus.DELETED:
                raise TenantGone("This seller account was deleted.")
            revision = await conn.run_sync(upgrade_tenant_sync, self.tenant_tree, schema)
            await conn.execute(
                insert(Tenant)
                .values(
                    id=tenant_id,
                    schema_name=schema,
                    status=TenantStatus.ACTIVE,
                    revision=revision,
                    migrated_at=utcnow(),
                )
                .on_conflict_do_update(
                    index_elements=[Tenant.id],
                    set_={"revision": revision, "migrated_at": utcnow(), "last_error": None},
                )
            )
        logger.info("tenant provisioned", extra={"tenant": str(tenant_id), "revision": revision})

    async def drop(self, tenant_id: uuid.UUID) -> None:
        """Drop the tenant's schema and remember the tenant as deleted (so it is never re-provisioned)."""
        schema = schema_for(tenant_id)
        engine = await self.db.engine_for(tenant_id)
        async with engine.connect() as conn, conn.begin():
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(tenant_id))))
            await conn.execute(DropSchema(schema, cascade=True, if_exists=True))
            await conn.execute(
                insert(Tenant)
                .values(id=tenant_id, schema_name=schema, status=TenantStatus.DELETED, deleted_at=utcnow())
                .on_conflict_do_update(
                    index_elements=[Tenant.id], set_={"status": TenantStatus.DELETED, "deleted_at": utcnow()}
                )
            )
        self._ready.pop(tenant_id, None)
        logger.info("tenant dropped", extra={"tenant": str(tenant_id)})
