"""Credits of ``POST /analyses``: reserved before the provider, committed on success, released on failure."""

from __future__ import annotations

import asyncio
from datetime import datetime

import sqlalchemy as sa
from ai_service.models import AnalysisJob
from vitrine_contracts.identity import TenantDeleted


def key_of(analysis: dict) -> str:
    return f"ai-analysis:{analysis['id']}:analysis"


class TestCredits:
    async def test_a_completed_analysis_commits_its_reservation(self, seller) -> None:
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["status"] == "completed"
        [reservation] = seller.reservations()
        assert reservation.key == key_of(done)
        assert reservation.status == "committed"
        assert reservation.amount == 1
        assert (done["credits"], done["credits_state"]) == (1, "committed")
        assert seller.credits_left == 9

    async def test_server_errors_that_persist_release_the_credits(self, seller) -> None:
        await seller.app.sandbox.fault(500, count=10)
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["status"] == "failed"
        assert done["error"] == {
            "code": "provider-unavailable",
            "detail": "The AI provider is unavailable; try again later.",
            "retryable": True,
        }
        assert (done["credits"], done["credits_state"]) == (0, "released")
        [reservation] = seller.reservations()
        assert reservation.status == "released"
        assert seller.credits_left == 10
        calls = await seller.app.sandbox.requests("gemini")
        assert [c["status"] for c in calls] == [500, 500, 500]  # provider_max_attempts
        [event] = await seller.emitted("ai.analysis.failed")
        assert (event["analysis_id"], event["code"], event["retryable"]) == (
            done["id"],
            "provider-unavailable",
            True,
        )

    async def test_a_rate_limit_is_retried_after_the_delay_the_provider_asks(self, seller) -> None:
        await seller.app.sandbox.fault(429, count=1, retry_after_s=0.4)
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["status"] == "completed"
        refused, retried, *_ = await seller.app.sandbox.requests("gemini")
        assert (refused["status"], retried["status"]) == (429, 200)
        waited = datetime.fromisoformat(retried["at"]) - datetime.fromisoformat(refused["at"])
        assert waited.total_seconds() >= 0.4
        assert done["usage"][0]["calls"] == 2
        assert seller.reservations()[0].status == "committed"

    async def test_rate_limits_that_persist_release_the_credits(self, seller) -> None:
        await seller.app.sandbox.fault(429, count=10, retry_after_s=0.05)
        done = await seller.analyse(image_ids=seller.photos(2))
        assert (done["status"], done["error"]["code"]) == ("failed", "provider-busy")
        assert seller.reservations()[0].status == "released"
        assert seller.credits_left == 10

    async def test_a_rate_limit_longer_than_we_wait_fails_at_once(self, seller) -> None:
        await seller.app.sandbox.fault(429, count=10, retry_after_s=60)
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["error"]["code"] == "provider-busy"
        assert len(await seller.app.sandbox.requests("gemini")) == 1
        assert seller.reservations()[0].status == "released"

    async def test_invalid_output_releases_the_credits(self, seller) -> None:
        for _ in range(2):  # the answer is asked for again once (invalid_output_retries)
            await seller.app.sandbox.next_answer("this is not JSON")
        done = await seller.analyse(image_ids=seller.photos(2))
        assert (done["status"], done["error"]["code"]) == ("failed", "invalid-model-output")
        assert seller.reservations()[0].status == "released"
        assert seller.credits_left == 10

    async def test_an_answer_without_the_category_is_invalid(self, seller) -> None:
        for _ in range(2):
            await seller.app.sandbox.next_answer({"colour": "blue"})
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["error"]["code"] == "invalid-model-output"
        assert seller.reservations()[0].status == "released"

    async def test_one_invalid_answer_is_asked_again_on_the_same_credits(self, seller) -> None:
        await seller.app.sandbox.next_answer("{not json")
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["status"] == "completed"
        assert done["usage"][0]["calls"] == 2
        assert len(seller.reservations()) == 1
        assert seller.credits_left == 9

    async def test_drafts_fall_back_to_templates_and_the_analysis_is_charged(self, seller) -> None:
        await seller.app.sandbox.fault(503, count=10, provider="openai")
        done = await seller.analyse(image_ids=seller.photos(2), language="de")
        assert done["status"] == "completed"
        drafts = done["result"]["drafts"]
        assert {d["written_by"] for d in drafts.values()} == {"template"}
        assert "Größe" in drafts["vinted"]["description"] or "Zustand" in drafts["vinted"]["description"]
        assert seller.reservations()[0].status == "committed"

    async def test_no_credits_left_is_a_402_naming_what_is_left(self, seller) -> None:
        seller.app.edge.account(seller.tenant_id).monthly = 0
        response = await seller.post("/analyses", json={"image_ids": seller.photos(2)})
        assert response.status_code == 402
        problem = response.json()
        assert problem["type"].endswith("credits-exhausted")
        assert (problem["credits_needed"], problem["credits_left"]) == (1, 0)
        assert (problem["monthly_left"], problem["purchased_left"]) == (0, 0)
        assert (await seller.get("/analyses")).json()["items"] == []
        assert await seller.app.sandbox.requests() == []

    async def test_billing_unreachable_is_a_503(self, seller) -> None:
        seller.app.edge.billing_down = True
        response = await seller.post("/analyses", json={"image_ids": seller.photos(2)})
        assert response.status_code == 503
        assert response.json()["type"].endswith("billing-unavailable")

    async def test_credits_are_settled_once_billing_is_back(self, seller) -> None:
        await seller.app.sandbox.latency(300)
        analysis = await seller.ask(image_ids=seller.photos(2))
        seller.app.edge.billing_down = True

        async def completed() -> dict | None:
            body = (await seller.get(f"/analyses/{analysis['id']}")).json()
            return body if body["status"] == "completed" else None

        held = await seller.eventually(completed)
        assert held["credits_state"] == "held"
        await asyncio.sleep(0.5)  # billing still down: the worker keeps the job and tries again later
        seller.app.edge.billing_down = False
        done = await seller.finished(analysis["id"])
        assert done["credits_state"] == "committed"
        assert seller.reservations()[0].status == "committed"

    async def test_a_rerun_of_the_same_analysis_never_charges_twice(self, seller) -> None:
        """A worker that stalls past its lease: another run takes the job, with the same reservation key."""
        await seller.app.sandbox.latency(800)
        analysis = await seller.ask(image_ids=seller.photos(2))
        await seller.expire_lease(analysis["id"])  # as if the first worker had died
        done = await seller.finished(analysis["id"])
        assert done["status"] == "completed"
        await asyncio.sleep(1.5)  # the slower run ends too
        [reservation] = seller.reservations()
        assert reservation.status == "committed"
        assert seller.credits_left == 9
        assert len(await seller.emitted("ai.analysis.completed")) == 1

    async def test_photos_unreachable_for_a_while_are_fetched_again(self, seller) -> None:
        seller.app.edge.bytes_down = True
        analysis = await seller.ask(image_ids=seller.photos(2))
        await asyncio.sleep(0.3)
        seller.app.edge.bytes_down = False
        done = await seller.finished(analysis["id"])
        assert done["status"] == "completed"
        assert len(seller.reservations()) == 1

    async def test_a_deleted_account_s_queued_analyses_are_dropped(self, seller) -> None:
        await seller.app.sandbox.latency(600)
        await seller.ask(image_ids=seller.photos(2))
        await seller.play(TenantDeleted(tenant_id=seller.tenant_id))

        async def dropped() -> bool:
            async with seller.app.runtime.db.session() as session:
                jobs = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(AnalysisJob)
                    .where(AnalysisJob.tenant_id == seller.tenant_id)
                )
                return jobs == 0

        await seller.eventually(dropped, timeout=60)  # a loaded machine: the tenant drop waits on the worker
