"""``media-service check-storage [--repair]``: rows whose files are gone are found, then mended."""

from __future__ import annotations

import asyncio

from media_service.cli import main


def run(media, monkeypatch, *args: str) -> int:
    settings = media.runtime.settings
    monkeypatch.setenv("MEDIA_DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("MEDIA_LOCAL_STORAGE_DIR", str(settings.local_storage_dir))
    return main(["check-storage", *args])


class TestCheckStorage:
    async def test_found_then_derivatives_remade_and_lost_originals_dropped(
        self, media, pics, monkeypatch
    ) -> None:
        seller = media.seller()
        derived_gone = await media.upload_one(seller, "a.jpg", pics.photo((500, 300)))
        original_gone = await media.upload_one(seller, "b.jpg", pics.photo((300, 500)))
        healthy = await media.upload_one(seller, "c.jpg", pics.photo((200, 200)))
        root = media.runtime.settings.local_storage_dir
        tenant = next(p for p in (root / "t").iterdir())
        (tenant / "images" / derived_gone["id"].replace("-", "") / "large.jpg").unlink()
        (tenant / "images" / original_gone["id"].replace("-", "") / "original.jpg").unlink()

        assert await asyncio.to_thread(run, media, monkeypatch) == 1  # found, left as it is
        assert (await media.fetch(derived_gone["original"]["url"])).status_code == 200

        assert await asyncio.to_thread(run, media, monkeypatch, "--repair") == 0
        again = (await media.client.get(f"/images/{derived_gone['id']}", headers=seller)).json()
        for rendition in [again["original"], *again["derivatives"]]:
            assert (await media.fetch(rendition["url"])).status_code == 200, rendition["name"]
        assert (await media.client.get(f"/images/{original_gone['id']}", headers=seller)).status_code == 404
        deleted = [e["payload"]["image_id"] for e in await media.outbox("media.image.deleted")]
        assert deleted.count(original_gone["id"]) == 1
        assert derived_gone["id"] not in deleted
        assert (await media.client.get(f"/images/{healthy['id']}", headers=seller)).status_code == 200
        assert await asyncio.to_thread(run, media, monkeypatch) == 0
