from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import uvicorn
from media_service.internal.fetch import allowed
from PIL import Image
from sandbox_ebay.app import create_app as create_ebay
from vitrine_kit.testing.helpers import free_port


@pytest.fixture(scope="module")
def image_host() -> Iterator[str]:
    """eBay's stand-in, whose image host serves listing photos (``/images/g/<key>/s-l1600.png``)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_ebay(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


async def fetch(media, tenant: uuid.UUID, url: str):
    body = {"tenant_id": str(tenant), "url": url}
    return await media.client.post("/internal/images/fetch", json=body, headers=media.service())


class TestFetch:
    async def test_a_marketplace_photo_becomes_the_tenant_s_image_once(self, start, image_host) -> None:
        async with start(fetch_allowed_origins=[image_host]) as media:
            tenant = uuid.uuid4()
            await media.upload_one(media.seller(tenant), "first.jpg", media_photo())  # the tenant exists
            url = f"{image_host}/images/g/abc-0/s-l1600.png"
            first = await fetch(media, tenant, url)
            assert first.status_code == 201, first.text
            image = first.json()["image"]
            assert (image["width"], image["height"], image["source_format"]) == (480, 640, "png")
            again = await fetch(media, tenant, url)
            assert again.status_code == 200
            assert (again.json()["image"]["id"], again.json()["duplicate"]) == (image["id"], True)
            large = next(d for d in image["derivatives"] if d["name"] == "large" and d["format"] == "jpeg")
            assert Image.open(io.BytesIO((await media.fetch(large["url"])).content)).size == (480, 640)
            [processed] = [
                e
                for e in await media.outbox("media.image.processed")
                if e["payload"]["image_id"] == image["id"]
            ]
            assert processed["tenant_id"] == str(tenant)

    async def test_only_the_allowed_hosts_and_only_images_within_the_limits(self, start, image_host) -> None:
        async with start(fetch_allowed_origins=[image_host], max_image_bytes=2_000) as media:
            tenant = uuid.uuid4()
            await media.upload_one(media.seller(tenant), "first.jpg", media_photo())
            elsewhere = await fetch(media, tenant, "http://127.0.0.1:1/images/g/x/s-l1600.png")
            assert elsewhere.status_code == 422
            assert elsewhere.json()["type"].endswith("image-url-not-allowed")
            sneaky = await fetch(media, tenant, f"http://user@{image_host.removeprefix('http://')}/x.png")
            assert sneaky.status_code == 422
            not_an_image = await fetch(media, tenant, f"{image_host}/healthz")
            assert not_an_image.status_code == 415
            missing = await fetch(media, tenant, f"{image_host}/itm/0")
            assert missing.status_code == 502
            too_big = await fetch(media, tenant, f"{image_host}/images/g/big/s-l1600.png")
            assert too_big.status_code == 413
        async with start(fetch_allowed_origins=[image_host], fetch_timeout_s=0.000001) as media:
            tenant = uuid.uuid4()
            await media.upload_one(media.seller(tenant), "first.jpg", media_photo())
            slow = await fetch(media, tenant, f"{image_host}/images/g/slow/s-l1600.png")
            assert slow.status_code == 502
            assert "longer than" in slow.json()["detail"]

    async def test_seller_tokens_are_refused(self, media) -> None:
        body = {"tenant_id": str(uuid.uuid4()), "url": "http://127.0.0.1:8021/images/g/x/s-l1600.png"}
        response = await media.client.post("/internal/images/fetch", json=body, headers=media.seller())
        assert response.status_code == 403


@pytest.mark.unit
class TestAllowList:
    def test_origins_are_compared_normalised(self) -> None:
        origins = ["https://i.ebayimg.com", "http://127.0.0.1:8021"]
        assert allowed("https://I.EBAYIMG.com:443/images/g/x/s-l1600.jpg", origins)
        assert allowed("http://127.0.0.1:8021/images/g/x/s-l1600.png", origins)
        assert not allowed("http://127.0.0.1:8022/x.png", origins)
        assert not allowed("https://i.ebayimg.com.evil.example/x.jpg", origins)
        assert not allowed("file:///etc/passwd", origins)
        assert not allowed("https://u:p@i.ebayimg.com/x.jpg", origins)


def media_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(out, "JPEG")
    return out.getvalue()
