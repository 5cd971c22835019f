"""``/exports/products.csv`` (CSV, streamed; the gateway gives ``/exports`` a long timeout) and ``/imports/products``."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile
from fastapi.responses import StreamingResponse
from vitrine_kit.db.deps import ProvisionedTenant
from vitrine_kit.roles import Capability, needs

from catalog_service.deps import Catalog
from catalog_service.errors import InvalidCsv
from catalog_service.scope import RequestScope
from catalog_service.transfer.service import ImportReport, transfer_service

router = APIRouter(tags=["csv"])


@router.get(
    "/exports/products.csv",
    response_class=StreamingResponse,
    dependencies=needs(Capability.CATALOG_EXPORT),
)
async def export_csv(tenant_id: ProvisionedTenant, context: Catalog) -> StreamingResponse:
    """Every live product as CSV (lists joined by '|', pairs as key:value)."""
    return StreamingResponse(
        transfer_service.export(context.db, tenant_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


@router.post("/imports/products")
async def import_csv(file: UploadFile, scope: RequestScope) -> ImportReport:
    """Create a draft per row of the uploaded CSV (same columns as the export; status is not imported)."""
    try:
        text = (await file.read()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCsv(f"The file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8.") from exc
    return await transfer_service.import_csv(scope, text)
