"""media-service's internal API (service tokens only, never routed by the gateway), for its callers.

- ``POST /internal/images/resolve`` (:class:`ResolveRequest`) → :class:`ResolveResponse`: signed URLs of
  each image, ``found: false`` for ids the tenant does not have.
- ``GET /internal/images/{id}/{rendition}?tenant_id=`` → the bytes of a rendition (``original.<ext>``,
  ``large.jpg``, ``large.webp``, ``medium.jpg``, ``medium.webp``, ``thumb.jpg``, ``thumb.webp``).
- ``POST /internal/images/fetch`` (:class:`FetchRequest`) → :class:`FetchResponse`: media-service downloads a
  photo of an imported listing from a marketplace's image host (an allow-list), within size and time
  limits, and stores it as the tenant's image with the same checks as an upload (the same bytes give the
  same image). A refusal answers a problem+json: 422 ``image-url-not-allowed``, 502 ``image-fetch-failed``,
  or the upload's own (415, 413, 422).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

RESOLVE_PATH = "/internal/images/resolve"
FETCH_PATH = "/internal/images/fetch"


class RenditionName(StrEnum):
    ORIGINAL = "original"
    LARGE = "large"
    MEDIUM = "medium"
    THUMB = "thumb"


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

    def rendition(self, name: RenditionName, fmt: str = "jpeg") -> RenditionOut:
        """The derivative ``name`` in ``fmt`` (JPEG by default), else any format of it, else the original."""
        same = [d for d in self.derivatives if d.name == name]
        exact = [d for d in same if d.format == fmt]
        return (exact or same or [self.original])[0]


class ResolveRequest(BaseModel):
    """A service asks for the URLs of a tenant's images (the tenant of the event it is handling)."""

    tenant_id: uuid.UUID
    image_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    ttl_s: int | None = Field(default=None, ge=60, le=7 * 24 * 3600)


class ResolvedImage(BaseModel):
    id: uuid.UUID
    found: bool
    image: ImageOut | None = None


class ResolveResponse(BaseModel):
    images: list[ResolvedImage]


class FetchRequest(BaseModel):
    """A service asks media-service to fetch one photo from a marketplace's image host for a tenant."""

    tenant_id: uuid.UUID
    url: str = Field(max_length=2000, description="http(s) URL on one of media-service's allowed hosts")


class FetchResponse(BaseModel):
    image: ImageOut
    duplicate: bool = Field(description="The tenant already had these bytes: the existing image")
