"""``/images``: upload (multipart or presigned direct uploads), read, signed redirects, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import AppOutbox, TenantSession
from vitrine_kit.errors import PROBLEM_JSON
from vitrine_kit.roles import Capability, needs

from media_service.context import Media
from media_service.deps import ImageID, Rendition
from media_service.images.schemas import (
    CompleteUploadsRequest,
    DirectUploadRequest,
    DirectUploads,
    ImageOut,
    UploadResult,
    UploadResults,
)
from media_service.images.service import image_service, remove_files
from media_service.uploads.multipart import receive_files
from media_service.uploads.service import upload_service

router = APIRouter(tags=["images"])

_MULTIPART_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                    "required": ["files"],
                }
            }
        },
    }
}


def _answer(results: list[UploadResult]) -> JSONResponse:
    """One file: its own status (a refusal is its problem+json). Several: 201 when all went in, else 207."""
    if len(results) == 1 and results[0].problem is not None:
        return JSONResponse(results[0].problem, status_code=results[0].status, media_type=PROBLEM_JSON)
    ok = all(r.status in (200, 201) for r in results)
    status = (201 if any(r.status == 201 for r in results) else 200) if ok else 207
    return JSONResponse(UploadResults(results=results).model_dump(mode="json"), status_code=status)


@router.post(
    "/images",
    status_code=201,
    response_model=UploadResults,
    openapi_extra=_MULTIPART_DOC,
    responses={
        200: {"model": UploadResults, "description": "Every file was there already (the same bytes)"},
        207: {"model": UploadResults},
        413: {},
        415: {},
        422: {},
    },
)
async def upload(
    request: Request, principal: TenantPrincipal, session: TenantSession, media: Media, outbox: AppOutbox
) -> JSONResponse:
    """Upload one or many images (``files`` parts); a result per file, the same id for the same bytes."""
    s = media.settings
    files = await receive_files(
        request, max_file_bytes=s.max_image_bytes, max_files=s.max_files_per_request, tmp_dir=s.tmp_dir
    )
    return _answer(await image_service.ingest_all(session, media, outbox, principal.tenant, files))


@router.post("/uploads", status_code=201)
async def create_direct_uploads(
    body: DirectUploadRequest, principal: TenantPrincipal, media: Media, session: TenantSession
) -> DirectUploads:
    """Presigned PUT URLs for a large batch: upload each file there, then complete the uploads."""
    return DirectUploads(uploads=await upload_service.create(session, media, principal.tenant, body.files))


@router.post("/uploads/complete", response_model=UploadResults, responses={207: {"model": UploadResults}})
async def complete_direct_uploads(
    body: CompleteUploadsRequest,
    principal: TenantPrincipal,
    session: TenantSession,
    media: Media,
    outbox: AppOutbox,
) -> JSONResponse:
    """Process directly uploaded files exactly like a multipart upload; a result per file."""
    return _answer(await upload_service.complete(session, media, outbox, principal.tenant, body.uploads))


@router.get("/images/{image_id}")
async def get_image(
    image_id: ImageID, principal: TenantPrincipal, session: TenantSession, media: Media
) -> ImageOut:
    """The image, its sizes and a signed URL for each file."""
    image = await image_service.get(session, image_id)
    return await image_service.view(media, principal.tenant, image)


@router.get("/images/{image_id}/{rendition}", status_code=307, response_class=RedirectResponse)
async def redirect_to_file(
    image_id: ImageID, rendition: Rendition, principal: TenantPrincipal, session: TenantSession, media: Media
) -> RedirectResponse:
    """Redirect to a fresh signed URL of ``original``, ``large.webp``, ``thumb.jpg``…"""
    url = await image_service.signed_rendition_url(session, media, principal.tenant, image_id, rendition)
    return RedirectResponse(url, status_code=307)


@router.delete("/images/{image_id}", status_code=204, dependencies=needs(Capability.CATALOG_DELETE))
async def delete_image(
    image_id: ImageID,
    principal: TenantPrincipal,
    session: TenantSession,
    media: Media,
    outbox: AppOutbox,
    background: BackgroundTasks,
) -> Response:
    """Delete the image (``media.image.deleted``); its files are removed once the deletion is committed."""
    prefix = await image_service.delete(session, outbox, principal.tenant, image_id)
    background.add_task(remove_files, media, prefix)
    return Response(status_code=204)
