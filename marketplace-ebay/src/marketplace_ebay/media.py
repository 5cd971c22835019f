"""Photo URLs for eBay: media-service signs them on demand for the tenant of the event being handled."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx
from vitrine_kit.auth.service_client import ServiceTokenClient

from marketplace_ebay.config import Settings


class MediaUnavailable(Exception):
    """media-service could not be reached or refused: the publish is retried later."""


class PhotoMissing(Exception):
    """A photo of the product no longer exists in media-service."""


class MediaImages:
    """Resolves media ids to signed URLs of the large JPEG (what eBay fetches)."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        assert settings.media_url is not None
        self.http = http or httpx.AsyncClient(timeout=10.0)
        self.base = settings.media_url.rstrip("/")
        self.ttl_s = settings.image_url_ttl_s
        self.tokens = ServiceTokenClient(
            settings.auth_token_url,
            settings.service_client_id,
            settings.service_client_secret,
            http=self.http,
        )

    async def large_jpeg_urls(self, tenant_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> list[str]:
        """The URLs in the order of ``media_ids``; ``PhotoMissing`` if one is gone."""
        try:
            response = await self.http.post(
                f"{self.base}/internal/images/resolve",
                json={
                    "tenant_id": str(tenant_id),
                    "image_ids": [str(i) for i in media_ids],
                    "ttl_s": self.ttl_s,
                },
                headers=await self.tokens.headers(),
            )
        except httpx.HTTPError as exc:
            raise MediaUnavailable(f"media-service unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise MediaUnavailable(f"media-service answered {response.status_code}")
        urls: list[str] = []
        for item in response.json()["images"]:
            renditions = (item.get("image") or {}).get("derivatives", []) if item["found"] else []
            large = [r for r in renditions if r["name"] == "large" and r["format"] == "jpeg"]
            if not large:
                raise PhotoMissing(f"The photo {item['id']} no longer exists.")
            urls.append(large[0]["url"])
        return urls

    async def aclose(self) -> None:
        await self.http.aclose()
