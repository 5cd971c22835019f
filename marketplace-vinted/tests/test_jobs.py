from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from marketplace_vinted.config import Settings
from marketplace_vinted.jobs import JobService, ListingRuleError, vinted_item
from marketplace_vinted.models import Job, PluginDevice
from vitrine_contracts.catalog import ImageRef, MarketplaceMapping, ProductSnapshot
from vitrine_contracts.common import Money
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import VintedJobCompleted
from vitrine_kit.db.engine import Database
from vitrine_kit.db.migrations import MigrationTrees
from vitrine_kit.db.tenancy import TenantRegistry

SERVICE_DIR = Path(__file__).resolve().parents[1]


def snapshot(**over) -> ProductSnapshot:
    values = {
        "product_id": uuid.uuid4(),
        "sku": "S1",
        "title": "Levi's 501   jeans",
        "description": "d",
        "price": Money(amount=Decimal("27.90"), currency="EUR"),
        "quantity": 1,
        "images": [ImageRef(media_id=uuid.uuid4(), url="http://x/1.jpg")],
        "mapping": MarketplaceMapping(
            category_id="1206",
            condition_id="2",
            extra={"color_ids": [1, 2, 3], "size_id": 206, "brand_id": 53},
        ),
    }
    return ProductSnapshot(**(values | over))


class TestVintedItem:
    def test_maps_attributes_and_applies_rules(self) -> None:
        item = vinted_item(snapshot())
        assert item["title"] == "Levi's 501 jeans"
        assert item["price"] == 27.9
        assert item["color_ids"] == [1, 2]
        assert item["status_id"] == 2
        assert item["size_id"] == 206
        assert {"code": "size", "ids": [206]} in item["item_attributes"]

    def test_refuses_what_vinted_refuses(self) -> None:
        with pytest.raises(ListingRuleError, match="price"):
            vinted_item(snapshot(price=Money(amount=Decimal("0.5"), currency="EUR")))
        with pytest.raises(ListingRuleError, match="images"):
            vinted_item(snapshot(images=[]))


class TestQueue:
    async def test_pacing_and_idempotent_results(self, service_database) -> None:
        url = await service_database("vinted", SERVICE_DIR)
        db = Database(url)
        tenant = uuid.uuid4()
        await TenantRegistry(db, MigrationTrees.in_dir(SERVICE_DIR).tenant).ensure(tenant)
        settings = Settings(min_gap_s=100, max_gap_s=100, writes_per_hour=50)
        jobs = JobService(settings)
        sent = []
        emit = lambda _s, e: sent.append(e)  # noqa: E731
        device = uuid.uuid4()
        async with db.tenant_session(tenant) as s, s.begin():
            s.add(
                PluginDevice(
                    device_id=device,
                    relay_instance="r1",
                    connection_id="c",
                    online=True,
                    max_in_flight=5,
                    capabilities=[],
                )
            )
            for n in range(3):
                await jobs.enqueue(
                    s, tenant, JobKind.DELIST if n == 2 else JobKind.UPDATE, {"item_id": n}, f"k{n}"
                )
            again = await jobs.enqueue(s, tenant, JobKind.UPDATE, {"item_id": 0}, "k0")
            await jobs.dispatch(s, tenant, emit)
        kinds = sorted(e.kind.value for e in sent if e.kind in (JobKind.UPDATE, JobKind.DELIST))
        assert kinds == ["delist"], "one write at a time, the delist first (priority 0)"
        async with db.tenant_session(tenant) as s, s.begin():
            done = VintedJobCompleted(
                job_id=again.id, tenant_id=tenant, device_id=device, outcome="succeeded"
            )
            await jobs.complete(s, tenant, done, emit)
            await jobs.complete(s, tenant, done.model_copy(update={"replayed": True}), emit)
            job = await s.get(Job, again.id)
            assert job is not None
            assert job.status == "succeeded"
            assert job.attempt in (0, 1)
        await db.dispose()

    async def test_a_publish_going_out_tells_catalog_it_started(self, service_database) -> None:
        url = await service_database("vinted", SERVICE_DIR)
        db = Database(url)
        tenant, device = uuid.uuid4(), uuid.uuid4()
        publication, product = uuid.uuid4(), uuid.uuid4()
        await TenantRegistry(db, MigrationTrees.in_dir(SERVICE_DIR).tenant).ensure(tenant)
        jobs = JobService(Settings(min_gap_s=0, max_gap_s=0))
        sent = []
        async with db.tenant_session(tenant) as s, s.begin():
            s.add(
                PluginDevice(
                    device_id=device,
                    relay_instance="r1",
                    connection_id="c",
                    online=True,
                    max_in_flight=5,
                    capabilities=[],
                )
            )
            await jobs.enqueue(
                s,
                tenant,
                JobKind.PUBLISH,
                {"photos": [], "item": {}},
                f"publish:{publication}",
                context={"publication_id": str(publication), "product_id": str(product)},
            )
            await jobs.dispatch(s, tenant, lambda _s, e: sent.append(e))  # makes the account, paced from now
        async with db.tenant_session(tenant) as s, s.begin():
            await jobs.dispatch(s, tenant, lambda _s, e: sent.append(e))
        started = [e for e in sent if e.event_type == "publication.started"]
        assert [(e.publication_id, e.product_id, e.attempt) for e in started] == [(publication, product, 1)]
        assert any(e.event_type == "vinted.job.dispatch" for e in sent)
        await db.dispose()


class TestAccount:
    async def test_two_first_uses_at_once_make_one_account(self, service_database) -> None:
        import asyncio

        import sqlalchemy as sa
        from marketplace_vinted.models import VintedAccount

        url = await service_database("vinted", SERVICE_DIR)
        db = Database(url)
        tenant = uuid.uuid4()
        await TenantRegistry(db, MigrationTrees.in_dir(SERVICE_DIR).tenant).ensure(tenant)
        jobs = JobService(Settings())

        async def first_use() -> uuid.UUID:
            async with db.tenant_session(tenant) as s, s.begin():
                return (await jobs.account(s, tenant)).id

        ids = await asyncio.gather(first_use(), first_use(), first_use())
        async with db.tenant_session(tenant) as s:
            rows = (await s.execute(sa.select(VintedAccount))).scalars().all()
        assert len(rows) == 1
        assert set(ids) == {rows[0].id}
        await db.dispose()
