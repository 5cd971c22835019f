"""``/account``, ``/jobs``, ``/alerts``, ``/sync``, ``/reference``, ``/items/{id}/link|import``."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import VintedListingLinked
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import AppOutbox, TenantSession

from marketplace_vinted.context import VintedContext
from marketplace_vinted.jobs import JobService
from marketplace_vinted.models import Alert, Job, Listing

router = APIRouter(tags=["vinted"])


class PacingIn(BaseModel):
    writes_per_hour: int = Field(ge=1, le=200)
    min_gap_s: float = Field(ge=0)
    max_gap_s: float = Field(ge=0)
    pause_every: int = Field(default=12, ge=0)
    pause_s: float = Field(default=20.0, ge=0)


class LinkIn(BaseModel):
    product_id: uuid.UUID
    publication_id: uuid.UUID


def _jobs(request: Request) -> JobService:
    context: VintedContext = request.app.state.context
    return context.jobs


def _job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "attempt": job.attempt,
        "result": job.result,
        "error": job.error,
        "calls": job.calls,
        "created_at": job.created_at,
        "completed_at": job.completed_at,
    }


@router.get("/account")
async def account(request: Request, principal: TenantPrincipal, session: TenantSession) -> dict[str, Any]:
    """The Vinted account as the plugin reports it, the plugins online and the remaining write budget."""
    jobs = _jobs(request)
    acc = await jobs.account(session, principal.tenant)
    return {
        "vinted_user_id": acc.vinted_user_id,
        "login": acc.login,
        "domain": acc.domain,
        "logged_in": acc.logged_in,
        "session_expired_at": acc.session_expired_at,
        "plugins_online": len(await jobs.online_devices(session)),
        "pacing": await jobs.budget(session, acc),
    }


@router.put("/account/pacing")
async def set_pacing(
    body: PacingIn, request: Request, principal: TenantPrincipal, session: TenantSession
) -> dict[str, Any]:
    """Change the pacing of this account's writes."""
    jobs = _jobs(request)
    acc = await jobs.account(session, principal.tenant)
    for key, value in body.model_dump().items():
        setattr(acc, key, value)
    acc.max_gap_s = max(acc.max_gap_s, acc.min_gap_s)
    return await jobs.budget(session, acc)


@router.get("/jobs")
async def list_jobs(
    principal: TenantPrincipal, session: TenantSession, status: str | None = None
) -> list[dict[str, Any]]:
    query = sa.select(Job).order_by(Job.created_at.desc()).limit(200)
    if status:
        query = query.where(Job.status == status)
    return [_job_out(j) for j in (await session.execute(query)).scalars()]


@router.get("/alerts")
async def alerts(principal: TenantPrincipal, session: TenantSession) -> list[dict[str, Any]]:
    rows = await session.execute(
        sa.select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.created_at)
    )
    return [
        {"id": a.id, "kind": a.kind, "message": a.message, "subject": a.subject, "created_at": a.created_at}
        for a in rows.scalars()
    ]


@router.get("/listings")
async def listings(principal: TenantPrincipal, session: TenantSession) -> list[dict[str, Any]]:
    rows = await session.execute(sa.select(Listing))
    return [
        {
            "publication_id": li.publication_id,
            "product_id": li.product_id,
            "vinted_item_id": li.vinted_item_id,
            "status": li.status,
            "url": li.url,
        }
        for li in rows.scalars()
    ]


@router.post("/sync", status_code=202)
async def sync(request: Request, principal: TenantPrincipal, session: TenantSession) -> list[dict[str, Any]]:
    """Sync sales and the wardrobe now (sold items become orders, deleted ones delisted publications)."""
    jobs, key = _jobs(request), uuid.uuid4().hex
    live = (
        (await session.execute(sa.select(Listing.vinted_item_id).where(Listing.status == "live")))
        .scalars()
        .all()
    )
    sales = await jobs.enqueue(
        session, principal.tenant, JobKind.SYNC_SALES, {}, f"sync_sales:{key}", priority=1
    )
    wardrobe = await jobs.enqueue(
        session,
        principal.tenant,
        JobKind.SYNC_WARDROBE,
        {"known_item_ids": [i for i in live if i]},
        f"sync_wardrobe:{key}",
        priority=2,
    )
    return [_job_out(sales), _job_out(wardrobe)]


@router.post("/reference/{what}", status_code=202)
async def reference(
    what: str,
    request: Request,
    principal: TenantPrincipal,
    session: TenantSession,
    catalog_id: int | None = None,
) -> dict[str, Any]:
    """Fetch Vinted reference data through the plugin (catalogs, brands, colors, conditions, size_groups…)."""
    job = await _jobs(request).enqueue(
        session,
        principal.tenant,
        JobKind.FETCH_REFERENCE,
        {"what": what, "catalog_id": catalog_id},
        f"ref:{what}:{catalog_id}:{uuid.uuid4().hex}",
    )
    return _job_out(job)


@router.post("/items/{vinted_item_id}/import", status_code=202)
async def import_item(
    vinted_item_id: int, request: Request, principal: TenantPrincipal, session: TenantSession
) -> dict[str, Any]:
    """Import an item already on Vinted as a new product (emits ``vinted.item.imported`` with its photos)."""
    job = await _jobs(request).enqueue(
        session,
        principal.tenant,
        JobKind.FETCH_ITEM,
        {"item_id": vinted_item_id},
        f"import:{vinted_item_id}",
        context={"import": True},
    )
    return _job_out(job)


@router.post("/items/{vinted_item_id}/link", status_code=201)
async def link_item(
    vinted_item_id: int, body: LinkIn, principal: TenantPrincipal, session: TenantSession, outbox: AppOutbox
) -> dict[str, Any]:
    """Link an item already on Vinted to a catalog product's publication."""
    session.add(
        Listing(
            publication_id=body.publication_id,
            product_id=body.product_id,
            vinted_item_id=vinted_item_id,
            status="live",
            url=f"https://www.vinted.fr/items/{vinted_item_id}",
        )
    )
    outbox.add(
        session,
        VintedListingLinked(product_id=body.product_id, vinted_item_id=vinted_item_id),
        tenant_id=principal.tenant,
    )
    return {"publication_id": body.publication_id, "vinted_item_id": vinted_item_id, "status": "live"}
