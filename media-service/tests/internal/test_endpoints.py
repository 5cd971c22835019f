from __future__ import annotations

import io
import uuid

from PIL import Image


class TestInternal:
    async def test_an_adapter_resolves_urls_with_a_service_token(self, media, pics) -> None:
        tenant = uuid.uuid4()
        image = await media.upload_one(media.seller(tenant), "p.jpg", pics.photo((1800, 1200)))
        missing = str(uuid.uuid4())
        body = {"tenant_id": str(tenant), "image_ids": [image["id"], missing], "ttl_s": 86400}
        response = await media.client.post("/internal/images/resolve", json=body, headers=media.service())
        assert response.status_code == 200
        found, absent = response.json()["images"]
        assert found["found"] is True
        assert absent == {"id": missing, "found": False, "image": None}
        large = next(
            d for d in found["image"]["derivatives"] if d["name"] == "large" and d["format"] == "jpeg"
        )
        fetched = await media.fetch(large["url"])
        assert Image.open(io.BytesIO(fetched.content)).size == (1600, 1067)

    async def test_an_adapter_gets_the_bytes(self, media, pics) -> None:
        tenant = uuid.uuid4()
        image = await media.upload_one(media.seller(tenant), "p.jpg", pics.photo((900, 600)))
        response = await media.client.get(
            f"/internal/images/{image['id']}/medium.jpg",
            params={"tenant_id": str(tenant)},
            headers=media.service(),
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.content)).size == (900, 600)
        elsewhere = await media.client.get(
            f"/internal/images/{image['id']}/medium.jpg",
            params={"tenant_id": str(uuid.uuid4())},
            headers=media.service(),
        )
        assert elsewhere.status_code == 404

    async def test_seller_tokens_are_refused(self, media) -> None:
        body = {"tenant_id": str(uuid.uuid4()), "image_ids": [str(uuid.uuid4())]}
        response = await media.client.post("/internal/images/resolve", json=body, headers=media.seller())
        assert response.status_code == 403
        assert (await media.client.post("/internal/images/resolve", json=body)).status_code == 401

    async def test_a_service_token_without_media_read_is_refused(self, media) -> None:
        body = {"tenant_id": str(uuid.uuid4()), "image_ids": [str(uuid.uuid4())]}
        other = {"Authorization": f"Bearer {media.keys.issue(scope='service billing:credits', roles=())}"}
        response = await media.client.post("/internal/images/resolve", json=body, headers=other)
        assert response.status_code == 403
        assert "media:read" in response.json()["detail"]


class TestRoles:
    async def test_a_member_may_upload_but_not_delete_an_image(self, media, pics) -> None:
        tenant = uuid.uuid4()
        owner = media.seller(tenant)
        image = await media.upload_one(owner, "a.jpg", pics.photo())
        member = {"Authorization": f"Bearer {media.keys.issue(tenant_id=tenant, roles=('member',))}"}
        assert (await media.client.delete(f"/images/{image['id']}", headers=member)).status_code == 403
        assert (await media.client.delete(f"/images/{image['id']}", headers=owner)).status_code == 204
