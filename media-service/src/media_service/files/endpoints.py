"""``GET /files/<key>`` and ``PUT /files/<key>`` for the local backend; refused unless signed and unexpired."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from media_service.context import Media
from media_service.files.service import file_service

router = APIRouter(tags=["files"])

Expires = Annotated[int, Query(description="Unix time after which the URL is refused")]
Signature = Annotated[str, Query(description="HMAC-SHA256 of method, key and expiry", max_length=100)]


@router.get("/files/{key:path}")
async def get_file(key: str, expires: Expires, sig: Signature, media: Media) -> StreamingResponse:
    """A stored file, for whoever holds a valid signed URL (marketplaces fetch images this way)."""
    storage = file_service.local(media)
    file_service.check(storage, "GET", key, expires, sig)
    return await file_service.serve(storage, key, expires)


@router.put("/files/{key:path}", status_code=200)
async def put_file(key: str, expires: Expires, sig: Signature, request: Request, media: Media) -> Response:
    """The target of a presigned direct upload (like S3's PUT); complete it with ``POST /uploads/complete``."""
    storage = file_service.local(media)
    file_service.check(storage, "PUT", key, expires, sig)
    await file_service.receive(storage, media, key, request)
    return Response(status_code=200)
