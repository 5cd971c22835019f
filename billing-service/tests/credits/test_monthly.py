from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from billing_service.credits import jobs
from billing_service.credits.service import next_month_start
from vitrine_contracts.billing_api import RESERVATIONS_PATH
from vitrine_kit.db.base import utcnow


async def drain_free_grants(app, now) -> int:
    """Run the free allowance job until nothing is due (other tests' tenants share the database)."""
    total = 0
    while granted := await jobs.grant_free_months(app.context, now):
        total += granted
    return total


class TestFreeMonthlyAllowance:
    async def test_granted_once_per_month_with_two_loops_racing(self, app, seller) -> None:
        opened = await seller.credits()
        assert (opened["monthly_left"], opened["monthly_allowance"]) == (10, 10)
        reserved = await app.client.post(
            RESERVATIONS_PATH,
            json={
                "tenant_id": str(seller.tenant_id),
                "amount": 4,
                "key": f"spend-{uuid.uuid4().hex}",
                "reason": "x",
            },
            headers=app.service_headers(),
        )
        assert reserved.status_code == 201
        next_month = next_month_start(utcnow()) + timedelta(hours=1)
        await asyncio.gather(drain_free_grants(app, next_month), drain_free_grants(app, next_month))
        credits = await seller.credits()
        assert credits["monthly_left"] == 10
        assert credits["period_start"].startswith(next_month.strftime("%Y-%m-01T00:00:00"))
        grants = [e for e in credits["history"]["items"] if e["kind"] == "grant_monthly"]
        assert len(grants) == 2  # the opening one, and this month's
        assert [e["kind"] for e in credits["history"]["items"][:2]] == ["grant_monthly", "expire"]
        # A second pass in the same month grants nothing.
        await drain_free_grants(app, next_month + timedelta(days=3))
        assert (
            len([e for e in (await seller.credits())["history"]["items"] if e["kind"] == "grant_monthly"])
            == 2
        )

    async def test_a_hold_from_the_last_month_gives_back_no_monthly_credits(self, app, seller) -> None:
        key = f"across-{uuid.uuid4().hex}"
        await app.client.post(
            RESERVATIONS_PATH,
            json={"tenant_id": str(seller.tenant_id), "amount": 6, "key": key, "reason": "x"},
            headers=app.service_headers(),
        )
        await drain_free_grants(app, next_month_start(utcnow()) + timedelta(minutes=5))
        released = await app.client.post(f"{RESERVATIONS_PATH}/{key}/release", headers=app.service_headers())
        assert released.status_code == 200
        assert released.json()["monthly_left"] == 10

    async def test_a_paying_tenant_is_left_alone(self, app, seller, standin) -> None:
        await seller.subscribe(standin, "starter")
        await seller.wait_credits(monthly_left=40)
        await drain_free_grants(app, next_month_start(utcnow()) + timedelta(days=1))
        assert (await seller.credits())["monthly_allowance"] == 40


class TestPaidMonthlyAllowance:
    async def test_a_resent_invoice_grants_once(self, app, seller, standin) -> None:
        await seller.subscribe(standin, "pro")
        await seller.wait_credits(monthly_left=100)
        events = (await standin.get("/sandbox/events", params={"type": "invoice.paid"})).json()
        customer = await app.customer_of(seller.tenant_id)
        paid = next(e["id"] for e in events if e["data"]["object"]["customer"] == customer)
        await standin.post(f"/sandbox/events/{paid}/resend")
        await standin.post(f"/sandbox/events/{paid}/resend")
        await asyncio.sleep(1.0)
        credits = await seller.credits()
        assert credits["monthly_left"] == 100
        assert len([e for e in credits["history"]["items"] if e["kind"] == "grant_monthly"]) == 2


class TestHistory:
    async def test_the_history_pages_with_a_cursor(self, app, seller) -> None:
        for i in range(5):
            await app.client.post(
                RESERVATIONS_PATH,
                json={
                    "tenant_id": str(seller.tenant_id),
                    "amount": 1,
                    "key": f"page-{i}-{uuid.uuid4().hex}",
                    "reason": f"n{i}",
                },
                headers=app.service_headers(),
            )
        first = await seller.credits(limit=4)
        assert len(first["history"]["items"]) == 4
        second = await seller.credits(limit=4, cursor=first["history"]["next_cursor"])
        assert [e["note"] for e in second["history"]["items"]] == ["n0", "Free plan"]
        assert second["history"]["next_cursor"] is None

    async def test_a_bad_cursor(self, seller) -> None:
        response = await seller.get("/credits", params={"cursor": "???"})
        assert response.status_code == 422
        assert response.json()["type"].endswith("/invalid-cursor")
