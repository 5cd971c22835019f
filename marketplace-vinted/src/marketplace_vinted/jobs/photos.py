"""Fresh signed photo URLs for a job about to go out: a job may wait in the queue longer than a URL lives."""

from __future__ import annotations

import logging
import uuid

import httpx
from vitrine_kit.auth.service_client import ServiceTokenClient

from marketplace_vinted.config import Settings

logger = logging.getLogger(__name__)


class PhotosUnavailable(Exception):
    """media-service could not sign the photos now; the job waits a little and tries again."""


class PhotoResolver:
    """Asks media-service (service token) for signed URLs of a tenant's images, the ``large`` JPEG."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=5.0)
        self.tokens = ServiceTokenClient(
            f"{settings.auth_url}/oauth/token", settings.client_id, settings.client_secret, http=self.http
        )

    async def signed(
        self, tenant_id: uuid.UUID, media_ids: list[uuid.UUID | None], urls: list[str]
    ) -> list[str]:
        """``urls`` with each photo that has a media id replaced by a fresh signed URL; as given when media
        is not configured, or for an image deleted meanwhile (its stored URL fails visibly at the plugin)."""
        ids = [str(m) for m in media_ids if m is not None]
        if not self.settings.media_url or not ids:
            return urls
        try:
            response = await self.http.post(
                f"{self.settings.media_url}/internal/images/resolve",
                json={"tenant_id": str(tenant_id), "image_ids": ids, "ttl_s": self.settings.photo_url_ttl_s},
                headers={"Authorization": f"Bearer {await self.tokens.token()}"},
            )
            response.raise_for_status()
            found = {i["id"]: i["image"] for i in response.json()["images"] if i["found"]}
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise PhotosUnavailable(repr(exc)) from exc
        out = []
        for media_id, url in zip(media_ids, urls, strict=False):
            image = found.get(str(media_id)) if media_id is not None else None
            if image is None:
                out.append(url)
                continue
            large = [d for d in image["derivatives"] if d["name"] == "large"]
            jpeg = [d for d in large if d["format"] == "jpeg"]  # Vinted takes JPEG photos
            out.append((jpeg or large or [image["original"]])[0]["url"])
        return out

    async def aclose(self) -> None:
        await self.http.aclose()
