"""Writing the tenant's audit log from any session (the row goes to the tenant's own schema)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.engine import schema_for
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.pagination import Keyset

from auth_service.models import AuditEntry

# The latest first: ids grow with every entry (the primary key backs the order).
LATEST = Keyset((AuditEntry.id,), TypeAdapter(tuple[int]))


async def record(
    session: AsyncSession,
    tenants: TenantRegistry,
    tenant_id: uuid.UUID,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the request's transaction.

    Most auth requests work on ``shared`` tables; the translate map on this one statement sends the row
    to the tenant's schema, so the entry commits or rolls back with the change it describes.
    """
    schema = await tenants.ensure(tenant_id)
    await session.execute(
        sa.insert(AuditEntry).values(
            actor_id=actor_id,
            action=action,
            subject=subject,
            details=details or {},
            occurred_at=sa.func.now(),
        ),
        execution_options={"schema_translate_map": {None: schema}},
    )


async def entries(
    session: AsyncSession, tenants: TenantRegistry, tenant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """A page of a tenant's audit log, the latest first, and the cursor of the next."""
    schema = await tenants.ensure(tenant_id)
    assert schema == schema_for(tenant_id)
    rows = await session.execute(
        LATEST.select(sa.select(AuditEntry), limit=limit, cursor=cursor),
        execution_options={"schema_translate_map": {None: schema}},
    )
    return LATEST.page(rows.scalars().all(), limit)
