from __future__ import annotations

import asyncio
import uuid

from media_service.models import StoragePurge
from vitrine_contracts.identity import TenantDeleted


class TestTenantDeleted:
    async def test_files_of_a_deleted_tenant_are_removed(self, media, pics) -> None:
        gone, kept = uuid.uuid4(), uuid.uuid4()
        await media.upload_one(media.seller(gone), "a.jpg", pics.photo())
        await media.upload_one(media.seller(gone), "b.png", pics.photo(fmt="PNG"), "image/png")
        survivor = await media.upload_one(media.seller(kept), "c.jpg", pics.photo())
        root = media.runtime.context.storage.root
        assert len(list((root / "t" / gone.hex).rglob("*.*"))) == 14
        # As auth-service would: the event comes through the outbox, the relay and the broker.
        async with media.runtime.db.session() as session, session.begin():
            media.runtime.outbox.add(session, TenantDeleted(tenant_id=gone), tenant_id=gone)
        purge = None
        for _ in range(100):
            async with media.runtime.db.session() as session:
                purge = await session.get(StoragePurge, gone)
            if purge is not None:
                break
            await asyncio.sleep(0.1)
        assert purge is not None
        assert purge.objects_deleted == 14
        assert not (root / "t" / gone.hex).exists()
        assert (await media.fetch(survivor["original"]["url"])).status_code == 200
        for _ in range(50):  # the kit's own consumer drops the schema; the tenant is then gone for good
            response = await media.client.get(f"/images/{uuid.uuid4()}", headers=media.seller(gone))
            if response.status_code == 410:
                break
            await asyncio.sleep(0.1)
        assert response.status_code == 410
