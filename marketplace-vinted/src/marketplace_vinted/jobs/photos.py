"""Fresh signed photo URLs for a job about to go out: a job may wait in the queue longer than a URL lives.

They are asked of media-service before the dispatch pass's transaction (:meth:`PhotoResolver.sign`, no
database connection held meanwhile) and put in the job's params inside it (:meth:`PhotoResolver.apply`,
no call)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from vitrine_contracts.media_api import RenditionName
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient, MediaUnavailable

from marketplace_vinted.config import Settings

logger = logging.getLogger(__name__)


class PhotosUnavailable(Exception):
    """media-service could not sign the photos now; the job waits a little and tries again."""


class PhotosNotSigned(PhotosUnavailable):
    """The job's photos were not signed before this pass (it became due meanwhile): the next pass does."""


@dataclass
class SignedPhotos:
    """What media-service answered before a dispatch pass: a signed URL per image it still has."""

    asked: set[uuid.UUID] = field(default_factory=set)
    urls: dict[uuid.UUID, str] = field(default_factory=dict)
    error: str | None = None  # media-service could not answer


class PhotoResolver:
    """Asks media-service (the kit's media client, a service token) for signed URLs of a tenant's images, the
    ``large`` JPEG (Vinted takes JPEG photos)."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=5.0)
        self.tokens = ServiceTokenClient(
            f"{settings.auth_url}/oauth/token", settings.client_id, settings.client_secret, http=self.http
        )
        self.media = MediaClient(settings.media_url, self.tokens, self.http) if settings.media_url else None

    async def sign(self, tenant_id: uuid.UUID, media_ids: Iterable[uuid.UUID | None]) -> SignedPhotos:
        """Fresh signed URLs of the ``large`` JPEG of each image (call it with no connection held); an image
        deleted meanwhile has none (its stored URL fails visibly at the plugin)."""
        ids = {m for m in media_ids if m is not None}
        if self.media is None or not ids:
            return SignedPhotos(asked=ids)
        try:
            found = await self.media.resolve(tenant_id, sorted(ids), ttl_s=self.settings.photo_url_ttl_s)
        except MediaUnavailable as exc:
            logger.warning("photos not signed", extra={"tenant": str(tenant_id), "error": str(exc)})
            return SignedPhotos(asked=ids, error=str(exc))
        urls = {
            i: image.rendition(RenditionName.LARGE).url for i, image in found.items() if image is not None
        }
        return SignedPhotos(asked=ids, urls=urls)

    def apply(
        self, signed: SignedPhotos | None, media_ids: list[uuid.UUID | None], urls: list[str]
    ) -> list[str]:
        """``urls`` with each photo that has a media id replaced by its signed URL; as given when media is not
        configured, or for an image deleted meanwhile. ``PhotosUnavailable`` when media-service could not
        sign them, ``PhotosNotSigned`` when they were not asked before this pass."""
        ids = {m for m in media_ids if m is not None}
        if self.media is None or not ids:
            return urls
        if signed is None or not ids <= signed.asked:
            raise PhotosNotSigned("the photos were not signed before this dispatch pass")
        if signed.error is not None:
            raise PhotosUnavailable(signed.error)
        return [
            signed.urls.get(media_id, url) if media_id is not None else url
            for media_id, url in zip(media_ids, urls, strict=False)
        ]

    async def aclose(self) -> None:
        await self.http.aclose()
