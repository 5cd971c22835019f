"""Staged uploads never completed are removed from storage once expired; completed ones leave no record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from media_service.models import StagedUpload
from media_service.uploads.service import STAGED_GRACE, sweep


async def staged(media) -> list[str]:
    async with media.runtime.db.session() as session:
        return list(await session.scalars(sa.select(StagedUpload.key)))


async def expire(media, key: str) -> None:
    async with media.runtime.db.session() as session:
        past = datetime.now(UTC) - STAGED_GRACE - timedelta(minutes=1)
        await session.execute(sa.update(StagedUpload).where(StagedUpload.key == key).values(expires_at=past))
        await session.commit()


class TestSweep:
    async def test_an_abandoned_upload_is_removed_once_expired_and_a_fresh_one_kept(
        self, media, pics
    ) -> None:
        seller = media.seller()
        created = await media.client.post(
            "/uploads", json={"files": [{"filename": "a.jpg"}, {"filename": "b.jpg"}]}, headers=seller
        )
        assert created.status_code == 201, created.text
        old, fresh = created.json()["uploads"]
        for upload in (old, fresh):
            assert (await media.client.put(upload["url"], content=pics.photo((300, 200)))).status_code == 200
        keys = [k for k in await staged(media) if old["upload_id"].replace("-", "") in k]
        assert len(keys) == 1
        await expire(media, keys[0])

        assert await sweep(media.runtime.context) >= 1
        assert await media.runtime.context.storage.size(keys[0]) is None
        assert keys[0] not in await staged(media)
        done = await media.client.post(
            "/uploads/complete", json={"uploads": [{"upload_id": fresh["upload_id"]}]}, headers=seller
        )
        assert done.json()["results"][0]["status"] == 201  # the fresh one was left alone
        assert not [k for k in await staged(media) if fresh["upload_id"].replace("-", "") in k]
