from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


class TestSignedUrls:
    async def test_signed_url_works_without_a_token(self, media, pics) -> None:
        image = await media.upload_one(media.seller(), "p.jpg", pics.photo())
        response = await media.client.get(image["original"]["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["cache-control"].startswith("private, max-age=")
        assert int(response.headers["content-length"]) == image["original"]["bytes"]

    async def test_tampered_urls_are_refused(self, media, pics) -> None:
        seller = media.seller()
        mine = await media.upload_one(seller, "a.jpg", pics.photo((500, 400)))
        url = mine["derivatives"][0]["url"]
        sig = parse_qs(urlsplit(url).query)["sig"][0]
        later = str(int(parse_qs(urlsplit(url).query)["expires"][0]) + 3600)
        other_key = url.replace("/large.jpg", "/original.jpg")
        for tampered in (
            with_query(url, sig=sig[:-2] + "AA"),
            with_query(url, sig="é"),  # non-ASCII: wrong, not a server error
            with_query(url, expires=later),
            other_key,
            url.split("?")[0],
        ):
            response = await media.client.get(tampered)
            assert response.status_code in (403, 422), tampered
        # A signature made for GET does not allow a PUT, nor does a non-ASCII one.
        assert (await media.client.put(url, content=b"x")).status_code == 403
        assert (await media.client.put(with_query(url, sig="é"), content=b"x")).status_code == 403

    async def test_expired_url_is_refused(self, start, pics) -> None:
        async with start(url_ttl_s=1) as media:
            image = await media.upload_one(media.seller(), "p.jpg", pics.photo())
            url = image["original"]["url"]
            deadline = int(parse_qs(urlsplit(url).query)["expires"][0])
            while time.time() <= deadline:
                await __import__("asyncio").sleep(0.2)
            response = await media.client.get(url)
            assert response.status_code == 403
            assert response.json()["type"].endswith("/url-expired")

    async def test_path_traversal_is_refused(self, media) -> None:
        response = await media.client.get("/files/../../etc/passwd?expires=9999999999&sig=x")
        assert response.status_code in (403, 404)


class TestDirectUploads:
    async def test_presigned_put_then_complete(self, media, pics) -> None:
        seller, stranger = media.seller(), media.seller()
        created = await media.client.post(
            "/uploads", json={"files": [{"filename": "a.jpg"}, {"filename": "b.txt"}]}, headers=seller
        )
        assert created.status_code == 201
        first, second = created.json()["uploads"]
        assert first["method"] == "PUT"
        assert (await media.client.put(first["url"], content=pics.photo((800, 600)))).status_code == 200
        assert (await media.client.put(second["url"], content=b"plain text")).status_code == 200
        # Another tenant cannot complete (nor see) this tenant's upload.
        foreign = await media.client.post(
            "/uploads/complete", json={"uploads": [{"upload_id": first["upload_id"]}]}, headers=stranger
        )
        assert foreign.status_code == 404
        done = await media.client.post(
            "/uploads/complete",
            json={
                "uploads": [
                    {"upload_id": first["upload_id"], "filename": "a.jpg"},
                    {"upload_id": second["upload_id"], "filename": "b.txt"},
                ]
            },
            headers=seller,
        )
        assert done.status_code == 207
        good, bad = done.json()["results"]
        assert good["status"] == 201
        assert good["image"]["width"] == 800
        assert bad["status"] == 415
        # Completed uploads are consumed.
        again = await media.client.post(
            "/uploads/complete", json={"uploads": [{"upload_id": first["upload_id"]}]}, headers=seller
        )
        assert again.status_code == 404

    async def test_direct_upload_over_the_limit_is_413(self, start) -> None:
        async with start(max_image_bytes=1024) as media:
            created = await media.client.post(
                "/uploads", json={"files": [{"filename": "big.jpg"}]}, headers=media.seller()
            )
            url = created.json()["uploads"][0]["url"]
            assert (await media.client.put(url, content=b"\xff\xd8\xff" + b"0" * 2048)).status_code == 413
