from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from billing_service.credits import jobs
from vitrine_contracts.billing_api import RESERVATIONS_PATH
from vitrine_kit.db.base import utcnow


async def reserve(app, seller, amount: int, key: str | None = None, **extra):
    body = {
        "tenant_id": str(seller.tenant_id),
        "amount": amount,
        "key": key or f"analysis-{uuid.uuid4().hex}",
        "reason": "AI analysis",
        **extra,
    }
    return await app.client.post(RESERVATIONS_PATH, json=body, headers=app.service_headers())


async def settle(app, key: str, action: str):
    return await app.client.post(f"{RESERVATIONS_PATH}/{key}/{action}", headers=app.service_headers())


class TestReserve:
    async def test_concurrent_reservations_never_overdraw(self, app, seller) -> None:
        await seller.credits()  # the account opens with the free plan's 10 credits
        responses = await asyncio.gather(*(reserve(app, seller, 1) for _ in range(25)))
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] * 10 + [402] * 15
        credits = await seller.credits(limit=100)
        assert (credits["monthly_left"], credits["purchased_left"]) == (0, 0)
        afters = [e["monthly_after"] for e in credits["history"]["items"]]
        assert min(afters) == 0
        assert sum(1 for e in credits["history"]["items"] if e["kind"] == "reserve") == 10

    async def test_concurrent_bigger_holds_take_only_what_is_there(self, app, seller) -> None:
        await seller.credits()
        responses = await asyncio.gather(*(reserve(app, seller, 3) for _ in range(8)))
        assert sorted(r.status_code for r in responses) == [201] * 3 + [402] * 5
        assert (await seller.credits())["monthly_left"] == 1

    async def test_the_same_key_is_one_reservation(self, app, seller) -> None:
        first = await reserve(app, seller, 4, key="same-key-123")
        again = await reserve(app, seller, 4, key="same-key-123")
        assert (first.status_code, again.status_code) == (201, 200), first.text
        assert first.json() == again.json()
        assert first.json()["monthly_left"] == 6
        assert (await seller.credits())["monthly_left"] == 6

    async def test_concurrent_calls_with_one_key_hold_once(self, app, seller) -> None:
        responses = await asyncio.gather(*(reserve(app, seller, 2, key="twin-key-1234") for _ in range(6)))
        assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
        assert (await seller.credits())["monthly_left"] == 8

    async def test_a_key_reused_for_another_amount(self, app, seller) -> None:
        await reserve(app, seller, 2, key="reused-key-123")
        response = await reserve(app, seller, 3, key="reused-key-123")
        assert response.status_code == 409
        assert response.json()["type"].endswith("/reservation-key-reused")

    async def test_too_few_credits_answers_402_and_says_so_once(self, app, seller) -> None:
        response = await reserve(app, seller, 11)
        assert response.status_code == 402
        problem = response.json()
        assert problem["type"].endswith("/credits-exhausted")
        assert (problem["monthly_left"], problem["purchased_left"], problem["requested"]) == (10, 0, 11)
        assert (await reserve(app, seller, 12)).status_code == 402
        exhausted = await seller.emitted("credits.exhausted")
        assert exhausted == [{"balance": 10, "requested": 11}]

    async def test_the_balance_reaching_zero_says_exhausted(self, app, seller) -> None:
        assert (await reserve(app, seller, 10)).status_code == 201
        assert await seller.emitted("credits.exhausted") == [{"balance": 0, "requested": None}]

    async def test_monthly_credits_go_first_then_purchased(self, app, seller, standin) -> None:
        session = await seller.checkout("credits", "credits_500")
        await seller.pay(standin, session["session_id"])
        await seller.wait_credits(purchased_left=500)
        response = await reserve(app, seller, 15)
        assert response.status_code == 201
        assert (response.json()["monthly_left"], response.json()["purchased_left"]) == (0, 495)

    async def test_falling_below_a_tenth_of_the_allowance_says_low(self, app, seller, standin) -> None:
        await seller.subscribe(standin, "starter")
        await seller.wait_credits(monthly_left=40)
        assert (await reserve(app, seller, 36)).status_code == 201
        assert await seller.emitted("credits.low") == []
        assert (await reserve(app, seller, 1)).status_code == 201
        assert (await reserve(app, seller, 1)).status_code == 201
        assert await seller.emitted("credits.low") == [{"balance": 3, "monthly_allowance": 40}]


class TestCommit:
    async def test_commit_spends_for_good(self, app, seller) -> None:
        key = f"commit-{uuid.uuid4().hex}"
        await reserve(app, seller, 3, key=key)
        first = await settle(app, key, "commit")
        again = await settle(app, key, "commit")
        assert (first.status_code, again.status_code) == (200, 200)
        assert first.json()["status"] == again.json()["status"] == "committed"
        assert (await seller.credits())["monthly_left"] == 7

    async def test_credits_spent_are_counted_once_per_commit_by_caller(self, app, seller) -> None:
        def spent() -> float:
            registry = app.runtime.metrics.registry
            return registry.get_sample_value("billing_credits_spent_total", {"caller": "ai-service"}) or 0.0

        before = spent()
        key = f"counted-{uuid.uuid4().hex}"
        await reserve(app, seller, 2, key=key)
        assert spent() == before  # held, not spent
        await settle(app, key, "commit")
        await settle(app, key, "commit")
        assert spent() == before + 2

    async def test_a_released_reservation_cannot_be_committed(self, app, seller) -> None:
        key = f"released-{uuid.uuid4().hex}"
        await reserve(app, seller, 3, key=key)
        await settle(app, key, "release")
        response = await settle(app, key, "commit")
        assert response.status_code == 409
        assert response.json()["type"].endswith("/reservation-released")

    async def test_an_unknown_key(self, app) -> None:
        response = await settle(app, "no-such-key-1", "commit")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/reservation-not-found")


class TestRelease:
    async def test_release_gives_the_credits_back(self, app, seller) -> None:
        key = f"release-{uuid.uuid4().hex}"
        assert (await reserve(app, seller, 4, key=key)).json()["monthly_left"] == 6
        first = await settle(app, key, "release")
        again = await settle(app, key, "release")
        assert (first.status_code, again.status_code) == (200, 200)
        assert first.json()["status"] == "released"
        assert first.json()["monthly_left"] == again.json()["monthly_left"] == 10
        kinds = [e["kind"] for e in (await seller.credits())["history"]["items"]]
        assert kinds[:2] == ["release", "reserve"]

    async def test_a_committed_reservation_cannot_be_released(self, app, seller) -> None:
        key = f"committed-{uuid.uuid4().hex}"
        await reserve(app, seller, 2, key=key)
        await settle(app, key, "commit")
        response = await settle(app, key, "release")
        assert response.status_code == 409
        assert response.json()["type"].endswith("/reservation-committed")
        assert (await seller.credits())["monthly_left"] == 8


class TestExpiry:
    async def test_a_forgotten_hold_is_released_once_even_with_two_sweepers(self, app, seller) -> None:
        key = f"forgotten-{uuid.uuid4().hex}"
        held = (await reserve(app, seller, 5, key=key)).json()
        assert held["expires_at"]
        later = utcnow() + timedelta(minutes=16)
        await asyncio.gather(
            jobs.release_expired(app.context, later), jobs.release_expired(app.context, later)
        )
        credits = await seller.credits()
        assert credits["monthly_left"] == 10
        assert sum(1 for e in credits["history"]["items"] if e["kind"] == "release") == 1
        response = await settle(app, key, "commit")
        assert response.status_code == 409
        assert response.json()["type"].endswith("/reservation-expired")

    async def test_a_hold_within_its_time_stays(self, app, seller) -> None:
        key = f"fresh-{uuid.uuid4().hex}"
        await reserve(app, seller, 5, key=key)
        await jobs.release_expired(app.context, utcnow() + timedelta(minutes=14))
        assert (await settle(app, key, "commit")).status_code == 200


class TestServiceTokensOnly:
    async def test_a_sellers_token_is_refused(self, app, seller) -> None:
        body = {"tenant_id": str(seller.tenant_id), "amount": 1, "key": "user-try-123", "reason": "x"}
        response = await app.client.post(RESERVATIONS_PATH, json=body, headers=seller.headers)
        assert response.status_code == 403
        assert response.json()["type"].endswith("/service-token-required")
        assert (
            await app.client.post(f"{RESERVATIONS_PATH}/user-try-123/commit", headers=seller.headers)
        ).status_code == 403

    async def test_a_service_without_the_credits_scope_is_refused(self, app, seller) -> None:
        body = {"tenant_id": str(seller.tenant_id), "amount": 1, "key": "other-svc-123", "reason": "x"}
        response = await app.client.post(RESERVATIONS_PATH, json=body, headers=app.service_headers("service"))
        assert response.status_code == 403

    async def test_no_token(self, app, seller) -> None:
        body = {"tenant_id": str(seller.tenant_id), "amount": 1, "key": "anon-try-123", "reason": "x"}
        assert (await app.client.post(RESERVATIONS_PATH, json=body)).status_code == 401
