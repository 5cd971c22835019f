"""Results the plugin sends are parsed with the relay contract's models: one that does not fit is refused and
recorded on the job, never applied."""

from __future__ import annotations

import uuid

from vitrine_contracts.catalog import PublicationRequested
from vitrine_contracts.common import Marketplace
from vitrine_contracts.vinted import VintedJobCompleted


async def publish(seller) -> tuple[uuid.UUID, dict]:
    await seller.online()
    publication = uuid.uuid4()
    await seller.play(
        PublicationRequested(
            publication_id=publication,
            product_id=uuid.uuid4(),
            marketplace=Marketplace.VINTED,
            snapshot=seller.snapshot(),
        )
    )
    return publication, await seller.next_job("publish")


class TestMalformedResults:
    async def test_a_publish_result_without_an_item_is_refused_and_recorded(self, seller) -> None:
        publication, job = await publish(seller)
        await seller.answer(job, {"url": "https://www.vinted.fr/items/1", "item": "made up"})
        [failed] = await seller.eventually(lambda: seller.emitted("publication.failed"))
        assert failed["publication_id"] == str(publication)
        assert failed["code"] == "plugin-result-invalid"
        assert failed["retryable"] is False
        recorded = await seller.job(job["job_id"])
        assert recorded["status"] == "failed"
        assert recorded["error"]["code"] == "malformed_result"
        assert "item_id" in recorded["error"]["message"]
        assert recorded["result"] == {"url": "https://www.vinted.fr/items/1", "item": "made up"}
        assert not await seller.emitted("publication.succeeded")
        listing = await seller.listing_of(publication)
        assert listing is not None
        assert (listing["status"], listing["vinted_item_id"]) == ("failed", None)

    async def test_a_failure_without_its_error_is_refused(self, seller) -> None:
        _, job = await publish(seller)
        await seller.play(
            VintedJobCompleted(
                job_id=uuid.UUID(job["job_id"]),
                tenant_id=seller.tenant_id,
                device_id=uuid.UUID(job["device_id"]),
                outcome="failed",
            )
        )
        [failed] = await seller.eventually(lambda: seller.emitted("publication.failed"))
        assert failed["code"] == "plugin-result-invalid"
        assert (await seller.job(job["job_id"]))["error"]["code"] == "malformed_result"


class TestRetries:
    async def test_a_rate_limited_write_waits_and_goes_out_again(self, seller) -> None:
        _, job = await publish(seller)
        limited = {
            "code": "rate_limited",
            "message": "Vinted rate limit",
            "http_status": 429,
            "retry_after_s": 0.5,
        }
        await seller.answer(job, error=limited)
        again = await seller.next_job("publish", set())  # the same job, a second attempt

        async def second_attempt() -> dict | None:
            jobs = [j for j in await seller.emitted("vinted.job.dispatch") if j["job_id"] == job["job_id"]]
            return jobs[-1] if len(jobs) == 2 else None

        redelivered = await seller.eventually(second_attempt, timeout=10)
        assert again["job_id"] == job["job_id"]
        assert redelivered["attempt"] == 2
