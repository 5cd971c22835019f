"""Photo URLs for eBay: the large JPEG of each photo, signed by media-service right before a publish."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from vitrine_contracts.media_api import RenditionName
from vitrine_kit.clients.media import MediaClient, MediaUnavailable, PhotoMissing

__all__ = ["MediaUnavailable", "PhotoMissing", "large_jpeg_urls"]


async def large_jpeg_urls(
    media: MediaClient, tenant_id: uuid.UUID, media_ids: Sequence[uuid.UUID], ttl_s: int
) -> list[str]:
    """The URLs in the order of ``media_ids``; ``PhotoMissing`` if one is gone or has no large JPEG."""
    urls = []
    for image in await media.require(tenant_id, media_ids, ttl_s=ttl_s):
        large = [d for d in image.derivatives if d.name == RenditionName.LARGE and d.format == "jpeg"]
        if not large:  # eBay fetches JPEG; the original may be PNG or HEIC
            raise PhotoMissing(image.id)
        urls.append(large[0].url)
    return urls
