"""The one client of media-service's internal API: signed URLs and bytes of a tenant's images."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx
from pydantic import ValidationError
from vitrine_contracts.media_api import RESOLVE_PATH, ImageOut, ResolveRequest, ResolveResponse

from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.db.held import check_outbound


class MediaUnavailable(Exception):
    """media-service could not be reached, refused, or answered nonsense: try again later."""


class PhotoMissing(Exception):
    """An image the caller named no longer exists for that tenant."""

    def __init__(self, image_id: uuid.UUID) -> None:
        super().__init__(f"The photo {image_id} no longer exists.")
        self.image_id = image_id


class MediaClient:
    """Calls media-service's ``/internal`` endpoints with a service token (``tokens``)."""

    def __init__(self, base_url: str, tokens: ServiceTokenClient, http: httpx.AsyncClient) -> None:
        self.base = base_url.rstrip("/")
        self.tokens = tokens
        self.http = http

    async def resolve(
        self, tenant_id: uuid.UUID, image_ids: Sequence[uuid.UUID], *, ttl_s: int | None = None
    ) -> dict[uuid.UUID, ImageOut | None]:
        """Each id mapped to its image with fresh signed URLs, or ``None`` when the tenant has no such image."""
        if not image_ids:
            return {}
        request = ResolveRequest(tenant_id=tenant_id, image_ids=list(image_ids), ttl_s=ttl_s)
        check_outbound("media-service")
        try:
            response = await self.http.post(
                self.base + RESOLVE_PATH,
                content=request.model_dump_json(),
                headers={"content-type": "application/json", **await self.tokens.headers()},
            )
        except httpx.HTTPError as exc:
            raise MediaUnavailable(f"media-service unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise MediaUnavailable(f"media-service answered {response.status_code}")
        try:
            resolved = ResolveResponse.model_validate_json(response.content)
        except ValidationError as exc:
            raise MediaUnavailable(f"media-service answered an unexpected body: {exc}") from exc
        return {item.id: item.image if item.found else None for item in resolved.images}

    async def require(
        self, tenant_id: uuid.UUID, image_ids: Sequence[uuid.UUID], *, ttl_s: int | None = None
    ) -> list[ImageOut]:
        """The images in the order of ``image_ids``; ``PhotoMissing`` for the first one that is gone."""
        found = await self.resolve(tenant_id, image_ids, ttl_s=ttl_s)
        out = []
        for image_id in image_ids:
            image = found.get(image_id)
            if image is None:
                raise PhotoMissing(image_id)
            out.append(image)
        return out

    async def image_bytes(
        self, tenant_id: uuid.UUID, image_id: uuid.UUID, rendition: str = "large.jpg"
    ) -> bytes:
        """The bytes of one rendition (e.g. ``large.jpg``, ``medium.webp``), for a caller that uploads them."""
        check_outbound("media-service")
        try:
            response = await self.http.get(
                f"{self.base}/internal/images/{image_id}/{rendition}",
                params={"tenant_id": str(tenant_id)},
                headers=await self.tokens.headers(),
            )
        except httpx.HTTPError as exc:
            raise MediaUnavailable(f"media-service unreachable: {exc!r}") from exc
        if response.status_code == 404:
            raise PhotoMissing(image_id)
        if response.status_code != 200:
            raise MediaUnavailable(f"media-service answered {response.status_code}")
        return response.content
