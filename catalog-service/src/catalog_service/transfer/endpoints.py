"""``/exports/products.csv`` (CSV, streamed; the gateway gives ``/exports`` a long timeout) and ``/imports/products``."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import StreamingResponse
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import runtime_of

from catalog_service.scope import RequestScope
from catalog_service.transfer.service import ImportReport, transfer_service

router = APIRouter(tags=["csv"])


@router.get("/exports/products.csv", response_class=StreamingResponse)
async def export_csv(request: Request, principal: TenantPrincipal) -> StreamingResponse:
    """Every live product as CSV (lists joined by '|', pairs as key:value)."""
    runtime = runtime_of(request)
    assert principal.tenant_id is not None
    assert runtime.tenants is not None
    await runtime.tenants.ensure(principal.tenant_id)
    return StreamingResponse(
        transfer_service.export(runtime.db, principal.tenant_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


@router.post("/imports/products")
async def import_csv(file: UploadFile, scope: RequestScope) -> ImportReport:
    """Create a draft per row of the uploaded CSV (same columns as the export; status is not imported)."""
    text = (await file.read()).decode("utf-8-sig")
    return await transfer_service.import_csv(scope, text)
