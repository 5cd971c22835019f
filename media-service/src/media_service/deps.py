"""Dependencies of media-service's endpoints."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.auth.deps import require_service_scope
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.deps import runtime_of
from vitrine_kit.logging import tenant_id_var

ImageID = Annotated[uuid.UUID, Path(description="The image's id")]
Rendition = Annotated[
    str,
    Path(description="original, or thumb|medium|large with .jpg or .webp", pattern=r"^[a-z]+(\.[a-z]+)?$"),
]
# Only callers granted media:read at auth-service (the adapters, catalog, ai-service) may name a tenant here.
ServicePrincipal = Annotated[Principal, Depends(require_service_scope("media:read"))]


@asynccontextmanager
async def service_tenant_session(request: Request, tenant_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
    """A read session in ``tenant_id``'s schema, for a caller already checked to hold the ``service`` scope.

    Service tokens carry no tenant: an adapter names the tenant of the event it is handling, and only a
    verified service may do so.
    """
    runtime = runtime_of(request)
    if runtime.tenants is None:
        raise RuntimeError("media-service runs without its tenant tables")
    tenant_id_var.set(str(tenant_id))
    await runtime.tenants.ensure(tenant_id)
    async with runtime.db.tenant_session(tenant_id) as session:
        yield session
