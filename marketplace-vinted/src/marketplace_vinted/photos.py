"""Fresh signed photo URLs for a job about to go out: a job may wait in the queue longer than a URL lives."""

from __future__ import annotations

import logging
import uuid
from typing import Any

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

    async def resolve(self, tenant_id: uuid.UUID, photos: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``photos`` with each ``url`` replaced by a fresh signed one; as given when media is not configured."""
        ids = [p["media_id"] for p in photos if p.get("media_id")]
        if not self.settings.media_url or not ids:
            return photos
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
        for photo in photos:
            image = found.get(photo.get("media_id"))
            if image is None:
                out.append(photo)  # deleted meanwhile: the stored URL fails visibly at the plugin
                continue
            large = [d for d in image["derivatives"] if d["name"] == "large"]
            jpeg = [d for d in large if d["format"] == "jpeg"]  # Vinted takes JPEG photos
            out.append(photo | {"url": (jpeg or large or [image["original"]])[0]["url"]})
        return out
