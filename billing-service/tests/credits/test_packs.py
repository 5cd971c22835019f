from __future__ import annotations

from vitrine_kit.testing.helpers import eventually


async def handled(app, event_ids: list[str]) -> None:
    async def done() -> bool:
        stored = {e.id: e.status for e in await app.stripe_events()}
        return all(stored.get(i) in ("processed", "ignored") for i in event_ids)

    await eventually(done)


class TestPackPurchase:
    async def test_a_paid_pack_adds_purchased_credits(self, seller, standin) -> None:
        session = await seller.checkout("credits", "credits_1000")
        await seller.pay(standin, session["session_id"])
        credits = await seller.wait_credits(purchased_left=1000)
        assert credits["monthly_left"] == 10
        entry = credits["history"]["items"][0]
        assert (entry["kind"], entry["purchased_delta"], entry["reference"]) == (
            "grant_purchased",
            1000,
            session["session_id"],
        )
        granted = await seller.emitted("credits.granted")
        assert granted[-1]["kind"] == "purchased"
        assert granted[-1]["amount"] == 1000
        assert granted[-1]["balance"] == 1010

    async def test_granted_once_when_completed_twice_and_out_of_order(self, app, seller, standin) -> None:
        session = await seller.checkout("credits", "credits_500")
        await standin.post("/sandbox/deliveries/pause")
        await seller.pay(standin, session["session_id"])
        events = (await standin.get("/sandbox/events")).json()  # newest first
        completed = next(
            e["id"]
            for e in events
            if e["type"] == "checkout.session.completed"
            and e["data"]["object"]["id"] == session["session_id"]
        )
        customer = events[0]["data"]["object"].get("customer")
        others = [
            e["id"]
            for e in events
            if e["id"] != completed and e["data"]["object"].get("customer") == customer
        ]
        # The completion first and last, the payment's other events between, then Stripe resends it.
        order = [completed, *others, completed]
        assert (await standin.post("/sandbox/events/deliver", json={"event_ids": order})).status_code == 200
        await standin.post("/sandbox/deliveries/resume")
        assert (await standin.post(f"/sandbox/events/{completed}/resend")).status_code == 200
        await handled(app, [completed, *others])
        await eventually(lambda: _settled_deliveries(standin, completed, 3))
        credits = await seller.credits()
        assert credits["purchased_left"] == 500
        grants = [e for e in credits["history"]["items"] if e["kind"] == "grant_purchased"]
        assert len(grants) == 1
        stored = [e for e in await app.stripe_events() if e.id == completed]
        assert len(stored) == 1

    async def test_a_declined_payment_grants_nothing(self, seller, standin) -> None:
        session = await seller.checkout("credits", "credits_500")
        await seller.pay(standin, session["session_id"], outcome="declined")
        credits = await seller.credits()
        assert credits["purchased_left"] == 0

    async def test_two_packs_add_up(self, seller, standin) -> None:
        for pack in ("credits_500", "credits_2000"):
            session = await seller.checkout("credits", pack)
            await seller.pay(standin, session["session_id"])
        await seller.wait_credits(purchased_left=2500)


async def _settled_deliveries(standin, event_id: str, count: int) -> bool:
    deliveries = (await standin.get("/sandbox/deliveries")).json()
    mine = [d for d in deliveries if d["event"] == event_id and d["state"] == "succeeded"]
    return len(mine) >= count
