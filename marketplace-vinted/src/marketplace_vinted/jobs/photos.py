"""Fresh signed photo URLs for a job about to go out: a job may wait in the queue longer than a URL lives."""

from __future__ import annotations

import logging
import uuid

import httpx
from vitrine_contracts.media_api import RenditionName
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient, MediaUnavailable

from marketplace_vinted.config import Settings

logger = logging.getLogger(__name__)


class PhotosUnavailable(Exception):
    """media-service could not sign the photos now; the job waits a little and tries again."""


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

    async def signed(
        self, tenant_id: uuid.UUID, media_ids: list[uuid.UUID | None], urls: list[str]
    ) -> list[str]:
        """``urls`` with each photo that has a media id replaced by a fresh signed URL; as given when media
        is not configured, or for an image deleted meanwhile (its stored URL fails visibly at the plugin)."""
        ids = [m for m in media_ids if m is not None]
        if self.media is None or not ids:
            return urls
        try:
            found = await self.media.resolve(tenant_id, ids, ttl_s=self.settings.photo_url_ttl_s)
        except MediaUnavailable as exc:
            raise PhotosUnavailable(str(exc)) from exc
        out = []
        for media_id, url in zip(media_ids, urls, strict=False):
            image = found.get(media_id) if media_id is not None else None
            out.append(image.rendition(RenditionName.LARGE).url if image is not None else url)
        return out

    async def aclose(self) -> None:
        await self.http.aclose()
