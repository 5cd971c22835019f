"""Request and response bodies of the images endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from vitrine_contracts.media_api import (
    ImageOut,
    RenditionOut,
    ResolvedImage,
    ResolveRequest,
    ResolveResponse,
)


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


__all__ = ["ImageOut", "RenditionOut", "ResolveRequest", "ResolveResponse", "ResolvedImage"]
