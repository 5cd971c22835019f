"""Request and response bodies of the images endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class RenditionOut(BaseModel):
    name: str = Field(description="original | large | medium | thumb")
    format: str = Field(description="jpeg | webp | png")
    width: int
    height: int
    bytes: int
    url: str = Field(description="Signed URL; expires at urls_expire_at")


class ImageOut(BaseModel):
    id: uuid.UUID
    filename: str
    content_hash: str
    source_format: str
    width: int
    height: int
    created_at: datetime
    original: RenditionOut
    derivatives: list[RenditionOut]
    urls_expire_at: datetime


class UploadResult(BaseModel):
    """The outcome for one file of an upload: an image (new or already there) or a problem."""

    filename: str
    status: int
    duplicate: bool = False
    image: ImageOut | None = None
    problem: dict[str, Any] | None = None


class UploadResults(BaseModel):
    results: list[UploadResult]


class DirectUploadFile(BaseModel):
    filename: str = Field(max_length=255)


class DirectUploadRequest(BaseModel):
    files: list[DirectUploadFile] = Field(min_length=1, max_length=200)


class DirectUpload(BaseModel):
    upload_id: uuid.UUID
    filename: str
    method: str
    url: str
    headers: dict[str, str]
    expires_at: datetime


class DirectUploads(BaseModel):
    uploads: list[DirectUpload]


class CompleteUpload(BaseModel):
    upload_id: uuid.UUID
    filename: str | None = Field(default=None, max_length=255)


class CompleteUploadsRequest(BaseModel):
    uploads: list[CompleteUpload] = Field(min_length=1, max_length=200)


class ResolveRequest(BaseModel):
    """An adapter asks for the URLs of a tenant's images (the tenant of the event it is handling)."""

    tenant_id: uuid.UUID
    image_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    ttl_s: int | None = Field(default=None, ge=60, le=7 * 24 * 3600)


class ResolvedImage(BaseModel):
    id: uuid.UUID
    found: bool
    image: ImageOut | None = None


class ResolveResponse(BaseModel):
    images: list[ResolvedImage]
