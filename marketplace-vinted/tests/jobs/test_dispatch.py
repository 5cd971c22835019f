"""The queue step by step: pacing at dispatch, results applied once, a publish going out (moved from
test_jobs.py; the services are called with a scope, the params are the contract's models)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from marketplace_vinted.config import Settings
from marketplace_vinted.jobs.dispatch import dispatch_service
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.results import result_service
from marketplace_vinted.models import Job, JobContext, PluginDevice
from marketplace_vinted.scope import worker_scope
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from vitrine_contracts.media_api import RESOLVE_PATH, ResolveRequest
from vitrine_contracts.relay.v1 import DelistParams, ItemBody, JobKind, PhotoRef, PublishParams, UpdateParams
from vitrine_contracts.vinted import VintedJobCompleted
from vitrine_kit import tracing
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.db import held
from vitrine_kit.logging import request_id_var

ITEM = ItemBody(title="Levi's 501 jeans", price=27.9, currency="EUR", catalog_id=1206, status_id=2)


def device_row(device: uuid.UUID) -> PluginDevice:
    return PluginDevice(
        device_id=device,
        relay_instance="r1",
        connection_id="c",
        online=True,
        max_in_flight=5,
        capabilities=[],
    )


class TestQueue:
    async def test_pacing_and_idempotent_results(self, standalone) -> None:
        context, tenant = await standalone(Settings(min_gap_s=100, max_gap_s=100, writes_per_hour=50))
        sent = context.outbox.sent
        device = uuid.uuid4()
        async with context.db.tenant_session(tenant) as s, s.begin():
            scope = worker_scope(s, tenant, context)
            s.add(device_row(device))
            for n in range(3):
                params = DelistParams(item_id=n) if n == 2 else UpdateParams(item_id=n, item=ITEM)
                await job_queue.enqueue(scope, params, f"k{n}")
            again = await job_queue.enqueue(scope, UpdateParams(item_id=0, item=ITEM), "k0")
            await dispatch_service.dispatch(scope)
        kinds = sorted(e.kind.value for e in sent if e.kind in (JobKind.UPDATE, JobKind.DELIST))
        assert kinds == ["delist"], "one write at a time, the delist first (priority 0)"
        async with context.db.tenant_session(tenant) as s, s.begin():
            scope = worker_scope(s, tenant, context)
            done = VintedJobCompleted(
                job_id=again.id, tenant_id=tenant, device_id=device, outcome="succeeded", data={"item_id": 0}
            )
            await result_service.complete(scope, done)
            await result_service.complete(scope, done.model_copy(update={"replayed": True}))
            job = await s.get(Job, again.id)
            assert job is not None
            assert job.status == "succeeded"
            assert job.attempt in (0, 1)

    async def test_a_publish_going_out_tells_catalog_it_started(self, standalone) -> None:
        context, tenant = await standalone(Settings(min_gap_s=0, max_gap_s=0))
        device, publication, product = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        sent = context.outbox.sent
        async with context.db.tenant_session(tenant) as s, s.begin():
            scope = worker_scope(s, tenant, context)
            s.add(device_row(device))
            await job_queue.enqueue(
                scope,
                PublishParams(photos=[PhotoRef(url="http://x/1.jpg")], item=ITEM),
                f"publish:{publication}",
                context=JobContext(publication_id=publication, product_id=product),
            )
            await dispatch_service.dispatch(scope)  # makes the account, paced from now
        async with context.db.tenant_session(tenant) as s, s.begin():
            await dispatch_service.dispatch(worker_scope(s, tenant, context))
        started = [e for e in sent if e.event_type == "publication.started"]
        assert [(e.publication_id, e.product_id, e.attempt) for e in started] == [(publication, product, 1)]
        assert any(e.event_type == "vinted.job.dispatch" for e in sent)

    async def test_the_wardrobe_sync_goes_out_with_the_live_items(self, seller) -> None:
        await seller.online()
        publication = uuid.uuid4()
        from vitrine_contracts.catalog import PublicationRequested
        from vitrine_contracts.common import Marketplace

        await seller.play(
            PublicationRequested(
                publication_id=publication,
                product_id=uuid.uuid4(),
                marketplace=Marketplace.VINTED,
                snapshot=seller.snapshot(),
            )
        )
        await seller.answer(await seller.next_job("publish"), {"item_id": 4242})
        await seller.eventually(lambda: seller.emitted("publication.succeeded"))
        assert (await seller.post("/sync")).status_code == 202
        seen: set[str] = set()
        while True:
            wardrobe = await seller.next_job("sync_wardrobe", seen)
            if wardrobe["params"]["known_item_ids"]:
                break
        assert wardrobe["params"]["known_item_ids"] == [4242]


class TestWakeUps:
    async def read_wake(self, context, tenant):
        from marketplace_vinted.models import DispatchTenant

        async with context.db.tenant_session(tenant) as s:
            return (await s.get(DispatchTenant, tenant)).wake_at

    async def test_a_wake_during_a_dispatch_pass_is_not_overwritten_by_its_reschedule(
        self, standalone
    ) -> None:
        from datetime import timedelta

        from marketplace_vinted.jobs.dispatch import claim_due
        from vitrine_kit.db.base import utcnow

        context, tenant = await standalone(Settings())
        async with context.db.tenant_session(tenant) as s, s.begin():
            s.add(device_row(uuid.uuid4()))
            await job_queue.wake(worker_scope(s, tenant, context), online=True)
        claimed, claimed_until = await claim_due(context, "home")
        assert tenant in claimed
        async with context.db.tenant_session(tenant) as s, s.begin():
            # A delist enqueued (and committed) while the pass runs, after the pass read the queue.
            await job_queue.enqueue(worker_scope(s, tenant, context), DelistParams(item_id=1), "delist:late")
        woken = await self.read_wake(context, tenant)
        async with context.db.tenant_session(tenant) as s, s.begin():
            later = utcnow() + timedelta(seconds=30)
            await job_queue.reschedule(
                worker_scope(s, tenant, context), later, online=True, claimed_until=claimed_until
            )
        assert await self.read_wake(context, tenant) == woken  # the delist is looked at now, not in 30 s

    async def test_a_later_wake_never_postpones_an_earlier_one(self, standalone) -> None:
        from datetime import timedelta

        from vitrine_kit.db.base import utcnow

        context, tenant = await standalone(Settings())
        async with context.db.tenant_session(tenant) as s, s.begin():
            await job_queue.wake(worker_scope(s, tenant, context))
        soon = await self.read_wake(context, tenant)
        async with context.db.tenant_session(tenant) as s, s.begin():  # a rate-limited job, due in a minute
            await job_queue.wake(worker_scope(s, tenant, context), utcnow() + timedelta(seconds=60))
        assert await self.read_wake(context, tenant) == soon


class TestFlow:
    async def test_a_job_goes_out_in_the_trace_and_with_the_request_id_that_queued_it(
        self, standalone
    ) -> None:
        exporter = InMemorySpanExporter()
        tracing.configure_tracing("marketplace-vinted", [exporter])
        try:
            context, tenant = await standalone(Settings(min_gap_s=0, max_gap_s=0))
            async with context.db.tenant_session(tenant) as s, s.begin():
                scope = worker_scope(s, tenant, context)
                s.add(device_row(uuid.uuid4()))
                token = request_id_var.set("sale-0001-abcd")
                try:
                    with tracing.span("queuing") as queuing:
                        assert queuing is not None
                        job = await job_queue.enqueue(scope, DelistParams(item_id=7), "delist:flow")
                finally:
                    request_id_var.reset(token)
                assert job.meta.request_id == "sale-0001-abcd"
                await dispatch_service.dispatch(scope)
            tracing.flush()
        finally:
            tracing.disable_tracing()
        [dispatched] = [s for s in exporter.get_finished_spans() if s.name == "vinted.job.dispatch"]
        assert dispatched.parent is not None
        assert dispatched.parent.span_id == queuing.get_span_context().span_id
        assert dispatched.attributes is not None
        assert dispatched.attributes["vitrine.request_id"] == "sale-0001-abcd"


class FakeMedia:
    """media-service's resolve: a signed URL per image, ``down`` answers 503; the calls are counted."""

    def __init__(self) -> None:
        self.calls = 0
        self.down = False

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        assert request.url.path == RESOLVE_PATH
        self.calls += 1
        if self.down:
            return httpx.Response(503)
        asked = ResolveRequest.model_validate_json(request.content)
        now = datetime.now(UTC).isoformat()

        def image(image_id: uuid.UUID) -> dict:
            rendition = {"format": "jpeg", "width": 1, "height": 1, "bytes": 1}
            return {
                "id": str(image_id),
                "filename": "p.jpg",
                "content_hash": "h",
                "source_format": "jpeg",
                "width": 1,
                "height": 1,
                "created_at": now,
                "original": {**rendition, "name": "original", "url": f"http://media/{image_id}/o"},
                "derivatives": [{**rendition, "name": "large", "url": f"http://media/{image_id}/signed"}],
                "urls_expire_at": now,
            }

        return httpx.Response(
            200, json={"images": [{"id": str(i), "found": True, "image": image(i)} for i in asked.image_ids]}
        )

    def client(self) -> MediaClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.answer))
        tokens = ServiceTokenClient("http://auth/oauth/token", "vinted", SecretStr("s"), http=http)
        return MediaClient("http://media", tokens, http)


class TestPhotoSigning:
    """The photos of a job going out are signed by media-service with no connection held (strict here)."""

    async def queue_publish(self, context, tenant, media: FakeMedia) -> tuple[uuid.UUID, uuid.UUID]:
        """A device online, the account made (a first pass), then a publish with one photo queued."""
        context.photos.media = media.client()
        photo = uuid.uuid4()
        async with context.db.tenant_session(tenant) as s, s.begin():
            s.add(device_row(uuid.uuid4()))
        await dispatch_service.run_pass(context, tenant)  # makes the account, paced from now
        async with context.db.tenant_session(tenant) as s, s.begin():
            job = await job_queue.enqueue(
                worker_scope(s, tenant, context),
                PublishParams(photos=[PhotoRef(url="http://x/stale.jpg")], item=ITEM),
                f"publish:{uuid.uuid4()}",
                context=JobContext(media_ids=[photo]),
            )
        return photo, job.id

    async def test_a_publish_goes_out_with_photos_signed_outside_the_transaction(self, standalone) -> None:
        context, tenant = await standalone(Settings(min_gap_s=0, max_gap_s=0))
        media = FakeMedia()
        photo, _ = await self.queue_publish(context, tenant, media)
        with held.strict():
            await dispatch_service.run_pass(context, tenant)
        [out] = [
            e for e in context.outbox.sent if e.event_type == "vinted.job.dispatch" and e.kind == "publish"
        ]
        assert [p["url"] for p in out.params["photos"]] == [f"http://media/{photo}/signed"]
        assert media.calls == 1

    async def test_a_job_whose_photos_were_not_signed_waits_for_the_next_pass(self, standalone) -> None:
        """A pass given no signed photos (the job became due after they were asked) calls no one."""
        context, tenant = await standalone(Settings(min_gap_s=0, max_gap_s=0))
        media = FakeMedia()
        _, job_id = await self.queue_publish(context, tenant, media)
        with held.strict():
            async with context.db.tenant_session(tenant) as s, s.begin():
                await dispatch_service.dispatch(worker_scope(s, tenant, context))
        assert media.calls == 0
        async with context.db.tenant_session(tenant) as s:
            assert (await s.get_one(Job, job_id)).status == "queued"
        await dispatch_service.run_pass(context, tenant)
        assert [
            e for e in context.outbox.sent if e.event_type == "vinted.job.dispatch" and e.kind == "publish"
        ]

    async def test_media_down_puts_the_job_back_for_a_little_while(self, standalone) -> None:
        context, tenant = await standalone(Settings(min_gap_s=0, max_gap_s=0))
        media = FakeMedia()
        media.down = True
        _, job_id = await self.queue_publish(context, tenant, media)
        with held.strict():
            await dispatch_service.run_pass(context, tenant)
        assert not [
            e for e in context.outbox.sent if e.event_type == "vinted.job.dispatch" and e.kind == "publish"
        ]
        async with context.db.tenant_session(tenant) as s:
            job = await s.get_one(Job, job_id)
        assert (job.status, job.not_before > datetime.now(UTC)) == ("queued", True)
        media.down = False
        async with context.db.tenant_session(tenant) as s, s.begin():
            (await s.get_one(Job, job.id)).not_before = datetime.now(UTC)
        with held.strict():
            await dispatch_service.run_pass(context, tenant)
        assert [
            e for e in context.outbox.sent if e.event_type == "vinted.job.dispatch" and e.kind == "publish"
        ]
