"""Photos of imported listings: media-service fetches each from the marketplace's image host."""

from __future__ import annotations

import uuid

import httpx
from pydantic import ValidationError
from vitrine_contracts.media_api import FETCH_PATH, FetchRequest, FetchResponse
from vitrine_kit.clients.media import MediaClient, MediaUnavailable
from vitrine_kit.db.held import check_outbound

__all__ = ["MediaUnavailable", "PhotoRefused", "fetch_photo"]


class PhotoRefused(Exception):
    """media-service refused this photo for good (host not allowed, not an image, too large…)."""


async def fetch_photo(media: MediaClient, tenant_id: uuid.UUID, url: str) -> uuid.UUID:
    """The tenant's image made from ``url`` (the existing one for the same bytes)."""
    request = FetchRequest(tenant_id=tenant_id, url=url)
    check_outbound("media-service")
    try:
        response = await media.http.post(
            media.base + FETCH_PATH,
            content=request.model_dump_json(),
            headers={"content-type": "application/json", **await media.tokens.headers()},
        )
    except httpx.HTTPError as exc:
        raise MediaUnavailable(f"media-service unreachable: {exc!r}") from exc
    if response.status_code in (200, 201):
        try:
            return FetchResponse.model_validate_json(response.content).image.id
        except ValidationError as exc:
            raise MediaUnavailable(f"media-service answered an unexpected body: {exc}") from exc
    if 400 <= response.status_code < 500 or response.status_code == 502:
        # 502: the marketplace's host failed or answered nonsense for this photo; the others may work.
        detail = (
            response.json().get("detail")
            if response.headers.get("content-type", "").endswith("json")
            else None
        )
        raise PhotoRefused(str(detail or f"media-service answered {response.status_code}"))
    raise MediaUnavailable(f"media-service answered {response.status_code}")
