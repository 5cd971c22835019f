from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from media_service.storage.s3 import S3Storage
from moto.server import ThreadedMotoServer
from vitrine_kit.testing.helpers import free_port


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_url: str) -> str:
    name = f"media-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    ).create_bucket(Bucket=name)
    return name


def r2_like(moto_url: str, bucket: str) -> S3Storage:
    """Configured as for Cloudflare R2: region "auto", path-style addressing, explicit keys."""
    return S3Storage(
        bucket=bucket,
        endpoint_url=moto_url,
        region="auto",
        access_key_id="test-key",
        secret_access_key="test-secret",
        addressing_style="path",
    )


async def keys_in(storage: S3Storage, prefix: str = "") -> list[str]:
    response = await storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in response.get("Contents", []))


class TestS3Storage:
    async def test_upload_serve_through_presigned_urls_and_delete(
        self, start, pics, moto_url, bucket
    ) -> None:
        storage = r2_like(moto_url, bucket)
        async with start(storage=storage, storage_backend="s3") as media:
            tenant = uuid.uuid4()
            seller = media.seller(tenant)
            image = await media.upload_one(seller, "p.jpg", pics.jpeg_rotated_with_gps((600, 400)))
            stored = await keys_in(storage, f"t/{tenant.hex}/")
            assert len(stored) == 7  # the original and 3 sizes x 2 formats
            url = image["original"]["url"]
            assert url.startswith(f"{moto_url}/{bucket}/t/{tenant.hex}/images/")  # path-style
            assert "X-Amz-Signature=" in url
            assert "X-Amz-Expires=3600" in url
            assert "%2Fauto%2Fs3%2Faws4_request" in url
            async with httpx.AsyncClient() as http:
                fetched = await http.get(url)
            assert fetched.status_code == 200
            assert fetched.content[:3] == b"\xff\xd8\xff"
            assert b"Exif" not in fetched.content
            redirect = await media.client.get(f"/images/{image['id']}/thumb.webp", headers=seller)
            assert redirect.status_code == 307
            assert redirect.headers["location"].startswith(moto_url)
            # Local /files URLs do not exist with S3 storage.
            assert (await media.client.get(f"/files/t/{tenant.hex}/x?expires=1&sig=x")).status_code == 404
            assert (await media.client.delete(f"/images/{image['id']}", headers=seller)).status_code == 204
            for _ in range(50):
                if not await keys_in(storage, f"t/{tenant.hex}/"):
                    break
                await asyncio.sleep(0.1)
            assert await keys_in(storage, f"t/{tenant.hex}/") == []

    async def test_direct_upload_to_a_presigned_put(self, start, pics, moto_url, bucket) -> None:
        storage = r2_like(moto_url, bucket)
        async with start(storage=storage, storage_backend="s3") as media:
            seller = media.seller()
            created = await media.client.post(
                "/uploads", json={"files": [{"filename": "d.webp"}]}, headers=seller
            )
            upload = created.json()["uploads"][0]
            async with httpx.AsyncClient() as http:
                put = await http.put(upload["url"], content=pics.photo((1200, 800), "WEBP"))
            assert put.status_code == 200
            done = await media.client.post(
                "/uploads/complete", json={"uploads": [{"upload_id": upload["upload_id"]}]}, headers=seller
            )
            assert done.status_code == 201
            assert done.json()["results"][0]["image"]["source_format"] == "webp"

    async def test_delete_prefix_pages_through_many_objects(self, moto_url, bucket, tmp_path) -> None:
        storage = r2_like(moto_url, bucket)
        storage.list_page_size = 10
        await storage.start()
        try:
            source = tmp_path / "f"
            source.write_bytes(b"x")
            await asyncio.gather(
                *(storage.put_file(f"t/a/images/{i:04d}", source, "image/jpeg") for i in range(25))
            )
            await storage.put_file("t/b/images/keep", source, "image/jpeg")
            assert await storage.delete_prefix("t/a/") == 25
            assert await keys_in(storage) == ["t/b/images/keep"]
            assert await storage.ready()
        finally:
            await storage.close()
