"""Fresh signed photo URLs through the kit's media client: the large JPEG, a deleted image kept as it was,
media-service down → the job waits."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from marketplace_vinted.config import Settings
from marketplace_vinted.jobs.photos import PhotoResolver, PhotosUnavailable

pytestmark = pytest.mark.unit


def rendition(name: str, fmt: str) -> dict[str, object]:
    return {
        "name": name,
        "format": fmt,
        "width": 1,
        "height": 1,
        "bytes": 1,
        "url": f"https://m/{name}.{fmt}",
    }


def image(image_id: uuid.UUID) -> dict[str, object]:
    return {
        "id": str(image_id), "filename": "a.jpg", "content_hash": "h", "source_format": "jpeg",
        "width": 1, "height": 1, "created_at": datetime.now(UTC).isoformat(),
        "original": rendition("original", "jpeg"),
        "derivatives": [rendition("large", "webp"), rendition("large", "jpeg"), rendition("thumb", "jpeg")],
        "urls_expire_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip


def resolver(handler: httpx.MockTransport) -> PhotoResolver:
    settings = Settings(media_url="http://media", auth_url="http://auth")
    return PhotoResolver(settings, http=httpx.AsyncClient(transport=handler))


def media(found: set[uuid.UUID], status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300, "token_type": "Bearer"})
        asked = json.loads(request.content)["image_ids"]
        images = [
            {
                "id": i,
                "found": uuid.UUID(i) in found,
                "image": image(uuid.UUID(i)) if uuid.UUID(i) in found else None,
            }
            for i in asked
        ]
        return httpx.Response(status, json={"images": images})

    return httpx.MockTransport(handle)


class TestSigned:
    async def test_the_large_jpeg_replaces_each_known_photo(self) -> None:
        kept, gone = uuid.uuid4(), uuid.uuid4()
        photos = resolver(media({kept}))
        signed = await photos.sign(uuid.uuid4(), [kept, gone, None])
        urls = photos.apply(signed, [kept, gone, None], ["old-1", "old-2", "old-3"])
        assert urls == ["https://m/large.jpeg", "old-2", "old-3"]
        await photos.aclose()

    async def test_media_down_makes_the_job_wait(self) -> None:
        photos = resolver(media(set(), status=503))
        photo = uuid.uuid4()
        signed = await photos.sign(uuid.uuid4(), [photo])
        with pytest.raises(PhotosUnavailable):
            photos.apply(signed, [photo], ["old"])
        await photos.aclose()
