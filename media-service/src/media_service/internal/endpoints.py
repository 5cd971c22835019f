"""``/internal/...``: an adapter gets a tenant's image URLs or bytes with its service token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from vitrine_contracts.media_api import FetchRequest, FetchResponse
from vitrine_kit.db.deps import AppOutbox

from media_service.context import Media
from media_service.deps import ImageID, Rendition, ServicePrincipal, service_tenant_session
from media_service.images.errors import RenditionNotFound
from media_service.images.schemas import ResolvedImage, ResolveRequest, ResolveResponse
from media_service.images.service import image_service
from media_service.internal.fetch import download

router = APIRouter(prefix="/internal", tags=["internal"])


@router.post("/images/resolve")
async def resolve(
    body: ResolveRequest, _: ServicePrincipal, request: Request, media: Media
) -> ResolveResponse:
    """Signed URLs of each image (``found: false`` for ids the tenant does not have)."""
    async with service_tenant_session(request, body.tenant_id) as session:
        found = await image_service.resolve(session, media, body.tenant_id, body.image_ids, body.ttl_s)
    return ResolveResponse(images=[ResolvedImage(id=i, found=v is not None, image=v) for i, v in found])


@router.get("/images/{image_id}/{rendition}")
async def image_bytes(
    image_id: ImageID,
    rendition: Rendition,
    tenant_id: Annotated[uuid.UUID, Query()],
    _: ServicePrincipal,
    request: Request,
    media: Media,
) -> StreamingResponse:
    """The bytes of ``large.jpg`` (or any rendition), for an adapter that uploads them itself."""
    async with service_tenant_session(request, tenant_id) as session:
        image = await image_service.get(session, image_id)
    key, content_type = image_service.rendition_key(tenant_id, image, rendition)
    size = await media.storage.size(key)
    if size is None:
        raise RenditionNotFound(f"The file of '{rendition}' is missing.")
    headers = {"Content-Length": str(size)}
    return StreamingResponse(media.storage.stream(key), media_type=content_type, headers=headers)


@router.post("/images/fetch", status_code=201)
async def fetch_image(
    body: FetchRequest,
    _: ServicePrincipal,
    request: Request,
    response: Response,
    media: Media,
    outbox: AppOutbox,
) -> FetchResponse:
    """A photo of an imported listing, fetched from the marketplace's image host and stored like an upload
    (201; 200 with ``duplicate`` when the tenant already has these bytes)."""
    incoming = await download(media, body.url)
    try:
        async with service_tenant_session(request, body.tenant_id) as session:
            image, created = await image_service.ingest(session, media, outbox, body.tenant_id, incoming)
            await session.commit()  # this session is the endpoint's own: the kit commits only TenantSession
    finally:
        incoming.discard()
    response.status_code = 201 if created else 200
    return FetchResponse(image=await image_service.view(media, body.tenant_id, image), duplicate=not created)
