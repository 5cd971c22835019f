from __future__ import annotations

import io
import os
import time
import tracemalloc
import uuid

import psutil
from PIL import Image

ORIENTATION, GPS_IFD = 0x0112, 0x8825


def dims(image: dict) -> dict[tuple[str, str], tuple[int, int]]:
    return {(d["name"], d["format"]): (d["width"], d["height"]) for d in image["derivatives"]}


class TestUploadAcceptedTypes:
    async def test_jpeg_png_webp_and_heic_are_processed(self, media, pics) -> None:
        seller = media.seller()
        for fmt, ctype, expected_original in (
            ("JPEG", "image/jpeg", "jpeg"),
            ("PNG", "image/png", "png"),
            ("WEBP", "image/webp", "webp"),
            ("HEIF", "image/heic", "jpeg"),
        ):
            data = pics.photo((2000, 1500), fmt)
            image = await media.upload_one(seller, f"photo.{fmt.lower()}", data, ctype)
            assert image["source_format"] == ("heic" if fmt == "HEIF" else fmt.lower())
            assert (image["width"], image["height"]) == (2000, 1500)
            assert image["original"]["format"] == expected_original
            assert dims(image) == {
                ("large", "jpeg"): (1600, 1200),
                ("large", "webp"): (1600, 1200),
                ("medium", "jpeg"): (1024, 768),
                ("medium", "webp"): (1024, 768),
                ("thumb", "jpeg"): (320, 240),
                ("thumb", "webp"): (320, 240),
            }
            for rendition in [image["original"], *image["derivatives"]]:
                fetched = await media.fetch(rendition["url"])
                assert fetched.status_code == 200
                decoded = Image.open(io.BytesIO(fetched.content))
                assert decoded.format.lower() == rendition["format"]
                assert decoded.size == (rendition["width"], rendition["height"])

    async def test_small_images_are_never_upscaled(self, media, pics) -> None:
        image = await media.upload_one(media.seller(), "small.jpg", pics.photo((300, 200)))
        assert set(dims(image).values()) == {(300, 200)}

    async def test_a_jpeg_named_png_is_taken_as_the_jpeg_it_is(self, media, pics) -> None:
        image = await media.upload_one(media.seller(), "photo.png", pics.photo(), "image/png")
        assert image["source_format"] == "jpeg"


class TestUploadRefusals:
    async def test_html_named_jpg_is_415(self, media) -> None:
        html = b"<!doctype html><html><body>not an image</body></html>"
        response = await media.upload(media.seller(), ("photo.jpg", html, "image/jpeg"))
        assert response.status_code == 415
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["filename"] == "photo.jpg"

    async def test_empty_file_is_422(self, media) -> None:
        response = await media.upload(media.seller(), ("empty.jpg", b"", "image/jpeg"))
        assert response.status_code == 422
        assert response.json()["type"].endswith("/empty-file")

    async def test_truncated_jpeg_is_422(self, media, pics) -> None:
        data = pics.photo((1200, 900), quality=95)
        response = await media.upload(media.seller(), ("cut.jpg", data[: len(data) // 2], "image/jpeg"))
        assert response.status_code == 422
        assert response.json()["type"].endswith("/image-unreadable")

    async def test_more_than_20_mb_is_413_naming_the_file(self, media) -> None:
        big = b"\xff\xd8\xff\xe0" + os.urandom(20 * 1024 * 1024 + 10)
        response = await media.upload(media.seller(), ("huge.jpg", big, "image/jpeg"))
        assert response.status_code == 413
        assert "huge.jpg" in response.json()["detail"]

    async def test_decompression_bomb_is_refused_before_decoding(self, media, pics) -> None:
        seller = media.seller()
        rss_before = psutil.Process().memory_info().rss
        for name, (w, h) in (
            ("bomb.png", (50_000, 50_000)),
            ("100mp.png", (10_000, 10_000)),
            ("45mp.png", (7_000, 6_500)),
        ):
            started = time.perf_counter()
            response = await media.upload(seller, (name, pics.png_header(w, h), "image/png"))
            assert response.status_code == 413, response.text
            assert response.json()["type"].endswith("/too-many-pixels")
            assert time.perf_counter() - started < 2.0
        # Decoding any of them would take 100 MB to 7.5 GB.
        assert psutil.Process().memory_info().rss - rss_before < 50 * 1024 * 1024

    async def test_several_files_get_a_result_each(self, media, pics) -> None:
        response = await media.upload(
            media.seller(),
            ("good.jpg", pics.photo(), "image/jpeg"),
            ("fake.jpg", b"GIF89a not really", "image/jpeg"),
            ("good.webp", pics.photo(fmt="WEBP"), "image/webp"),
        )
        assert response.status_code == 207
        results = response.json()["results"]
        assert [(r["filename"], r["status"]) for r in results] == [
            ("good.jpg", 201),
            ("fake.jpg", 415),
            ("good.webp", 201),
        ]
        assert results[1]["problem"]["filename"] == "fake.jpg"

    async def test_a_body_that_is_not_multipart_is_415(self, media) -> None:
        response = await media.client.post("/images", content=b"\xff\xd8\xff", headers=media.seller())
        assert response.status_code == 415

    async def test_a_multipart_body_without_a_file_is_422(self, media) -> None:
        response = await media.client.post("/images", files={"note": (None, "x")}, headers=media.seller())
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/no-files")


class TestMetadata:
    async def test_orientation_applied_and_no_exif_or_gps_anywhere(self, media, pics) -> None:
        data = pics.jpeg_rotated_with_gps((200, 100))
        assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
        image = await media.upload_one(media.seller(), "phone.jpg", data)
        assert (image["width"], image["height"]) == (100, 200)
        for rendition in [image["original"], *image["derivatives"]]:
            body = (await media.fetch(rendition["url"])).content
            decoded = Image.open(io.BytesIO(body))
            assert decoded.size == (100, 200)
            assert not decoded.getexif(), rendition
            assert b"Exif" not in body
            assert b"PhoneMaker" not in body
            assert b"GPS" not in body
            assert "icc_profile" not in decoded.info
            assert "xmp" not in decoded.info
            # The left half (blue) of the landscape is now the top half of the portrait.
            top = decoded.convert("RGB").getpixel((50, 20))
            assert top[2] > top[0], (rendition["name"], top)


class TestDeduplication:
    async def test_same_bytes_same_image_per_tenant_and_not_across_tenants(self, media, pics) -> None:
        tenant_a, tenant_b = uuid.uuid4(), uuid.uuid4()
        data = pics.photo((640, 480))
        first = await media.upload(media.seller(tenant_a), ("a.jpg", data, "image/jpeg"))
        again = await media.upload(media.seller(tenant_a), ("a-again.jpg", data, "image/jpeg"))
        other = await media.upload(media.seller(tenant_b), ("b.jpg", data, "image/jpeg"))
        assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
        a1, a2, b1 = (r.json()["results"][0] for r in (first, again, other))
        assert a2["duplicate"] is True
        assert a2["image"]["id"] == a1["image"]["id"]
        assert b1["image"]["id"] != a1["image"]["id"]
        events = [
            e
            for e in await media.outbox("media.image.processed")
            if e["payload"]["image_id"] == a1["image"]["id"]
        ]
        assert len(events) == 1
        assert events[0]["tenant_id"] == str(tenant_a)
        assert events[0]["payload"]["content_hash"] == a1["image"]["content_hash"]
        assert {(d["name"], d["format"]) for d in events[0]["payload"]["derivatives"]} == {
            (n, f) for n in ("thumb", "medium", "large") for f in ("jpeg", "webp")
        }

    async def test_the_same_file_twice_in_one_request(self, media, pics) -> None:
        data = pics.photo((320, 320))
        response = await media.upload(
            media.seller(), ("x.jpg", data, "image/jpeg"), ("y.jpg", data, "image/jpeg")
        )
        assert response.status_code == 201
        first, second = response.json()["results"]
        assert second["duplicate"]
        assert second["image"]["id"] == first["image"]["id"]

    async def test_concurrent_uploads_of_the_same_bytes_make_one_image(self, media, pics) -> None:
        import asyncio

        seller = media.seller()
        data = pics.photo((1500, 1000))
        responses = await asyncio.gather(
            *(media.upload(seller, (f"{i}.jpg", data, "image/jpeg")) for i in range(4))
        )
        ids = {r.json()["results"][0]["image"]["id"] for r in responses}
        assert len(ids) == 1
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
        events = await media.outbox("media.image.processed")
        assert sum(e["payload"]["image_id"] in ids for e in events) == 1


class TestTenantIsolation:
    async def test_another_tenants_image_is_not_found_anywhere(self, media, pics) -> None:
        owner, stranger = media.seller(), media.seller()
        image = await media.upload_one(owner, "mine.jpg", pics.photo())
        path = f"/images/{image['id']}"
        for method, url in (
            ("GET", path),
            ("GET", f"{path}/large.webp"),
            ("GET", f"{path}/original"),
            ("DELETE", path),
        ):
            response = await media.client.request(method, url, headers=stranger)
            assert response.status_code == 404, (method, url)
        assert (await media.client.get(path, headers=owner)).status_code == 200


class TestReadAndDelete:
    async def test_redirect_to_a_signed_url_of_each_rendition(self, media, pics) -> None:
        seller = media.seller()
        image = await media.upload_one(seller, "p.png", pics.photo(fmt="PNG"), "image/png")
        for rendition, ctype in (
            ("original", "image/png"),
            ("large.jpg", "image/jpeg"),
            ("thumb.webp", "image/webp"),
        ):
            response = await media.client.get(f"/images/{image['id']}/{rendition}", headers=seller)
            assert response.status_code == 307
            fetched = await media.fetch(response.headers["location"])
            assert fetched.status_code == 200
            assert fetched.headers["content-type"] == ctype
        for bad in ("huge.jpg", "thumb.png", "original.jpg"):
            assert (await media.client.get(f"/images/{image['id']}/{bad}", headers=seller)).status_code == 404

    async def test_delete_removes_the_files_and_emits_image_deleted(self, media, pics) -> None:
        seller = media.seller()
        image = await media.upload_one(seller, "gone.jpg", pics.photo())
        response = await media.client.delete(f"/images/{image['id']}", headers=seller)
        assert response.status_code == 204
        assert (await media.client.get(f"/images/{image['id']}", headers=seller)).status_code == 404
        assert (await media.fetch(image["derivatives"][0]["url"])).status_code == 404
        deleted = await media.outbox("media.image.deleted")
        assert any(e["payload"]["image_id"] == image["id"] for e in deleted)
        # The same bytes can come back as a new image.
        again = await media.upload_one(seller, "back.jpg", pics.photo())
        assert again["id"] != image["id"]


class TestStreaming:
    async def test_upload_memory_stays_flat(self, media, tmp_path) -> None:
        path = tmp_path / "big.jpg"
        path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(18 * 1024 * 1024))
        tracemalloc.start()
        try:
            with path.open("rb") as f:
                response = await media.client.post(
                    "/images", files=[("files", ("big.jpg", f, "image/jpeg"))], headers=media.seller()
                )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert response.status_code == 422  # random bytes after a JPEG marker: streamed, then refused
        assert peak < 6 * 1024 * 1024, peak
