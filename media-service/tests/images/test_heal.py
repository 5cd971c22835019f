"""Storage and database kept honest: the same photo uploaded again heals an image whose files are gone."""

from __future__ import annotations

import shutil


class TestHealOnReupload:
    async def test_files_gone_are_stored_again_under_the_same_image(self, media, pics) -> None:
        seller = media.seller()
        data = pics.photo((600, 400))
        first = await media.upload_one(seller, "p.jpg", data)
        assert (await media.fetch(first["original"]["url"])).status_code == 200
        shutil.rmtree(media.runtime.context.settings.local_storage_dir)  # a wiped disk, the rows kept
        assert (await media.fetch(first["original"]["url"])).status_code == 404

        again = await media.upload_one(seller, "p.jpg", data)
        assert again["id"] == first["id"]
        for rendition in [again["original"], *again["derivatives"]]:
            assert (await media.fetch(rendition["url"])).status_code == 200, rendition["name"]
        assert (await media.fetch(first["original"]["url"])).status_code == 200  # URLs already handed out
