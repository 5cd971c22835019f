"""The one-statement hold and commit under concurrency: exact counts, a ledger that adds up, and the slow
paths they fall back to (a key seen before, a key taken by another tenant, a hold past due)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import sqlalchemy as sa
from billing_service.models import Balance, Reservation
from vitrine_kit.db.base import utcnow

from .test_reservations import reserve, settle


async def set_balance(app, seller, **values: int) -> None:
    async with app.runtime.db.session() as session:
        await session.execute(
            sa.update(Balance).where(Balance.tenant_id == seller.tenant_id).values(**values)
        )
        await session.commit()


def assert_ledger_adds_up(credits: dict) -> None:
    """Oldest first, each line's balance after is the one before plus its change; the last is the balance."""
    lines = list(reversed(credits["history"]["items"]))
    monthly = purchased = 0
    for line in lines:
        monthly += line["monthly_delta"]
        purchased += line["purchased_delta"]
        assert (line["monthly_after"], line["purchased_after"]) == (monthly, purchased), line
    assert (monthly, purchased) == (credits["monthly_left"], credits["purchased_left"])


class TestParallelHolds:
    async def test_n_parallel_holds_on_k_credits_exactly_k_succeed(self, app, seller) -> None:
        await set_balance(app, seller, monthly_left=3, purchased_left=4)  # K = 7, monthly first
        responses = await asyncio.gather(*(reserve(app, seller, 1) for _ in range(20)))
        assert sorted(r.status_code for r in responses) == [201] * 7 + [402] * 13
        held = [r.json() for r in responses if r.status_code == 201]
        assert len({h["key"] for h in held}) == 7
        credits = await seller.credits(limit=100)
        assert (credits["monthly_left"], credits["purchased_left"]) == (0, 0)
        async with app.runtime.db.session() as session:
            rows = (
                await session.execute(
                    sa.select(Reservation.from_monthly, Reservation.from_purchased).where(
                        Reservation.tenant_id == seller.tenant_id
                    )
                )
            ).all()
        assert sorted(rows) == [(0, 1)] * 4 + [(1, 0)] * 3

    async def test_the_ledger_adds_up_after_holds_commits_and_releases_at_once(self, app, seller) -> None:
        keys = [f"mixed-{i}-{uuid.uuid4().hex}" for i in range(8)]  # the free plan's 10 credits
        held = await asyncio.gather(*(reserve(app, seller, 1, k) for k in keys))
        assert all(r.status_code == 201 for r in held)
        more = [reserve(app, seller, 1) for _ in range(6)]  # 2 left, and 4 released meanwhile
        actions = [settle(app, k, "commit" if i % 2 else "release") for i, k in enumerate(keys)]
        twins = [settle(app, keys[1], "commit"), settle(app, keys[0], "release")]
        results = await asyncio.gather(*more, *actions, *twins)
        got = sum(1 for r in results[:6] if r.status_code == 201)
        assert 2 <= got <= 6
        assert all(r.status_code == 200 for r in results[6:]), [r.text for r in results[6:]]
        credits = await seller.credits(limit=100)
        assert_ledger_adds_up(credits)
        kinds = [e["kind"] for e in credits["history"]["items"]]
        assert (kinds.count("commit"), kinds.count("release"), kinds.count("reserve")) == (4, 4, 8 + got)
        assert credits["monthly_left"] == 10 - 4 - got

    async def test_a_balance_near_the_integer_limit(self, app, seller) -> None:
        await set_balance(app, seller, monthly_left=2_000_000_000, purchased_left=100_000_000)
        response = await reserve(app, seller, 1)
        assert response.status_code == 201, response.text
        assert (response.json()["monthly_left"], response.json()["purchased_left"]) == (
            1_999_999_999,
            100_000_000,
        )


class TestKeysSeenBefore:
    async def test_a_key_seen_before_answers_the_same_when_credits_ran_out(self, app, seller) -> None:
        first = await reserve(app, seller, 10, key="all-of-it-123")
        again = await reserve(app, seller, 10, key="all-of-it-123")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["key"] == "all-of-it-123"
        assert await seller.emitted("credits.exhausted") == [{"balance": 0, "requested": None}]

    async def test_a_key_taken_by_another_tenant_at_once_leaves_its_balance_alone(self, app, seller) -> None:
        other = app.seller()
        await other.credits()
        key = f"contested-{uuid.uuid4().hex}"
        responses = await asyncio.gather(reserve(app, seller, 4, key=key), reserve(app, other, 4, key=key))
        assert sorted(r.status_code for r in responses) == [201, 409]
        totals = sorted([(await seller.credits())["monthly_left"], (await other.credits())["monthly_left"]])
        assert totals == [6, 10]
        for tenant in (seller, other):
            assert_ledger_adds_up(await tenant.credits(limit=100))


class TestCommitOnce:
    async def test_parallel_commits_of_one_hold_are_one_commit(self, app, seller) -> None:
        def spent() -> float:
            registry = app.runtime.metrics.registry
            return registry.get_sample_value("billing_credits_spent_total", {"caller": "ai-service"}) or 0.0

        before = spent()
        key = f"twice-{uuid.uuid4().hex}"
        await reserve(app, seller, 3, key=key)
        responses = await asyncio.gather(*(settle(app, key, "commit") for _ in range(5)))
        assert [r.status_code for r in responses] == [200] * 5
        assert {r.json()["status"] for r in responses} == {"committed"}
        credits = await seller.credits()
        assert [e["kind"] for e in credits["history"]["items"]].count("commit") == 1
        assert credits["monthly_left"] == 7
        assert spent() == before + 3

    async def test_a_commit_and_a_release_of_one_hold_at_once_one_wins(self, app, seller) -> None:
        for round_ in range(3):
            key = f"race-{round_}-{uuid.uuid4().hex}"
            assert (await reserve(app, seller, 1, key=key)).status_code == 201
            committed, released = await asyncio.gather(
                settle(app, key, "commit"), settle(app, key, "release")
            )
            assert sorted([committed.status_code, released.status_code]) == [200, 409]
            winner = "committed" if committed.status_code == 200 else "released"
            assert (committed if winner == "committed" else released).json()["status"] == winner
        credits = await seller.credits(limit=100)
        assert_ledger_adds_up(credits)
        kinds = [e["kind"] for e in credits["history"]["items"]]
        assert kinds.count("commit") + kinds.count("release") == 3

    async def test_a_commit_past_due_is_refused_and_changes_nothing(self, app, seller) -> None:
        key = f"late-{uuid.uuid4().hex}"
        await reserve(app, seller, 4, key=key)
        async with app.runtime.db.session() as session:
            await session.execute(
                sa.update(Reservation)
                .where(Reservation.key == key)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            await session.commit()
        response = await settle(app, key, "commit")
        assert response.status_code == 409
        assert response.json()["type"].endswith("/reservation-expired")
        credits = await seller.credits()
        assert [e["kind"] for e in credits["history"]["items"]] == ["reserve", "grant_monthly"]
        assert credits["monthly_left"] == 6
