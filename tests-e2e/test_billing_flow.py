"""Billing through the gateway: the public price list; a subscription paid on the Stripe stand-in, its signed
webhooks reaching billing through the gateway, the plan shown by billing and enforced by catalog; a credit
pack granted once although Stripe sends its event again; a forged webhook refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

import httpx
from vitrine_kit.testing.helpers import eventually_sync as eventually

WEBHOOK = "/api/billing/webhooks/stripe"


class Billing:
    def __init__(self, api: httpx.Client, fleet: Any, auth: dict[str, str]) -> None:
        self.api, self.auth = api, auth
        self.stripe = fleet.url("sandbox-stripe")

    def get(self, path: str) -> Any:
        response = self.api.get(path, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def pay(self, path: str, body: dict[str, str]) -> str:
        """A Checkout Session made by billing, paid on the stand-in (what its hosted page's button does)."""
        checkout = self.api.post(path, json=body, headers=self.auth)
        assert checkout.status_code == 201, checkout.text
        session = checkout.json()
        assert session["url"].startswith(f"{self.stripe}/c/pay/")
        page = httpx.get(session["url"])
        assert page.status_code == 200, page.text
        paid = httpx.post(
            f"{self.stripe}/sandbox/checkout_sessions/{session['session_id']}/complete",
            json={"outcome": "paid"},
        )
        assert paid.status_code == 200, paid.text
        return str(session["session_id"])

    def completed_event(self, session_id: str) -> dict[str, Any]:
        events = httpx.get(f"{self.stripe}/sandbox/events", params={"type": "checkout.session.completed"})
        return next(e for e in events.json() if e["data"]["object"]["id"] == session_id)

    def deliveries(self, event_id: str) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.stripe}/sandbox/deliveries", params={"event_id": event_id}).json())


class TestBillingFlow:
    def test_the_price_list_is_public(self, api: httpx.Client) -> None:
        plans = api.get("/api/billing/plans")
        assert plans.status_code == 200, plans.text
        assert {"free", "pro"} <= {p["code"] for p in plans.json()["plans"]}
        packs = api.get("/api/billing/credit-packs")
        assert packs.status_code == 200, packs.text
        assert "credits_500" in {p["code"] for p in packs.json()["packs"]}

    def test_subscription_paid_on_stripe_sets_the_plan_and_catalogs_quota(
        self, api: httpx.Client, fleet: Any, seller_auth: dict[str, str]
    ) -> None:
        billing = Billing(api, fleet, seller_auth)
        assert billing.get("/api/billing/subscription")["plan"] == "free"
        pro = next(p for p in api.get("/api/billing/plans").json()["plans"] if p["code"] == "pro")

        started = time.monotonic()
        session_id = billing.pay("/api/billing/checkout/subscription", {"plan": "pro"})
        subscription = eventually(
            lambda: (s := billing.get("/api/billing/subscription"))["plan"] == "pro" and s, timeout=20
        )
        print(f"\ncheckout paid → billing on pro: {time.monotonic() - started:.1f} s")
        assert subscription["status"] == "active"
        assert subscription["period_end"]
        # Stripe's events reached billing through the gateway, signed, and were answered 2xx.
        event = billing.completed_event(session_id)
        (delivery,) = billing.deliveries(event["id"])
        assert delivery["url"] == f"{fleet.url('gateway')}{WEBHOOK}"
        assert delivery["state"] == "succeeded", delivery

        quota = eventually(
            lambda: (q := billing.get("/api/catalog/quota"))["plan"] == "pro" and q, timeout=20
        )
        print(f"checkout paid → catalog's quota on pro: {time.monotonic() - started:.1f} s")
        assert quota["product_limit"] == pro["quotas"]["products"]
        assert (
            billing.get("/api/ai/analyses/limits")["photos_per_analysis"]
            == pro["quotas"]["photos_per_analysis"]
        )

    def test_a_credit_pack_is_granted_once_though_stripe_sends_it_again(
        self, api: httpx.Client, fleet: Any, seller_auth: dict[str, str]
    ) -> None:
        billing = Billing(api, fleet, seller_auth)
        before = billing.get("/api/billing/credits")
        session_id = billing.pay("/api/billing/checkout/credits", {"pack": "credits_500"})
        eventually(lambda: billing.get("/api/billing/credits")["purchased_left"] == 500, timeout=20)

        event = billing.completed_event(session_id)
        resent = httpx.post(f"{billing.stripe}/sandbox/events/{event['id']}/resend")
        assert resent.status_code == 200, resent.text
        eventually(
            lambda: (
                len(d := billing.deliveries(event["id"])) == 2 and all(x["state"] == "succeeded" for x in d)
            )
        )
        time.sleep(3)  # the webhook worker polls every second: time enough to apply it a second time
        credits = billing.get("/api/billing/credits")
        assert (credits["purchased_left"], credits["total"]) == (500, before["total"] + 500)
        grants = [e for e in credits["history"]["items"] if e["kind"] == "grant_purchased"]
        assert [(g["purchased_delta"], g["reference"]) for g in grants] == [(500, session_id)]

    def test_a_forged_webhook_is_refused(self, api: httpx.Client) -> None:
        body = json.dumps(
            {
                "id": "evt_forged",
                "object": "event",
                "type": "checkout.session.completed",
                "data": {"object": {}},
            }
        ).encode()
        t = int(time.time())
        forged = hmac.new(b"whsec_not_the_secret", f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        for signature in (f"t={t},v1={forged}", None):
            headers = {"content-type": "application/json"}
            if signature:
                headers["stripe-signature"] = signature
            refused = api.post(WEBHOOK, content=body, headers=headers)
            assert refused.status_code == 400, refused.text
            assert refused.json()["type"].endswith("invalid-stripe-signature"), refused.json()


class TestSubscriptionLife:
    """What a paying seller lives through: cancelling in the portal, and a renewal that fails."""

    def subscribe(self, billing: Billing, plan: str) -> str:
        """Pay ``plan``; the Stripe subscription id, read off the portal page as the seller would see it."""
        billing.pay("/api/billing/checkout/subscription", {"plan": plan})
        eventually(lambda: billing.get("/api/billing/subscription")["plan"] == plan, timeout=20)
        portal = billing.api.post("/api/billing/portal", headers=billing.auth)
        assert portal.status_code == 200, portal.text
        self.portal_url = portal.json()["url"]
        page = httpx.get(self.portal_url)
        assert page.status_code == 200, page.text
        found = re.search(r"/subscriptions/(sub_[A-Za-z0-9]+)/cancel", page.text)
        assert found, page.text
        return found.group(1)

    def test_cancelled_in_the_portal_the_plan_holds_until_the_period_ends(
        self, api: httpx.Client, fleet: Any, seller_auth: dict[str, str]
    ) -> None:
        billing = Billing(api, fleet, seller_auth)
        sub = self.subscribe(billing, "starter")
        action = self.portal_url.split("?")[0] + f"/subscriptions/{sub}/cancel"
        cancelled = httpx.post(action, data={"feedback": "too_expensive"})
        assert cancelled.status_code in (200, 303), cancelled.text
        held = eventually(
            lambda: (s := billing.get("/api/billing/subscription"))["cancel_at_period_end"] and s, timeout=20
        )
        assert (held["plan"], held["status"]) == ("starter", "active")
        # catalog follows billing's events: it reaches starter (and stays there while the period runs)
        eventually(lambda: billing.get("/api/catalog/quota")["plan"] == "starter", timeout=20)
        ended = httpx.post(f"{billing.stripe}/sandbox/subscriptions/{sub}/advance", json={"outcome": "paid"})
        assert ended.status_code == 200, ended.text
        eventually(lambda: billing.get("/api/billing/subscription")["plan"] == "free", timeout=20)
        eventually(lambda: billing.get("/api/catalog/quota")["plan"] == "free", timeout=20)

    def test_a_failed_renewal_keeps_the_plan_in_grace_then_stripe_ending_it_downgrades(
        self, api: httpx.Client, fleet: Any, seller_auth: dict[str, str]
    ) -> None:
        billing = Billing(api, fleet, seller_auth)
        sub = self.subscribe(billing, "starter")
        failed = httpx.post(f"{billing.stripe}/sandbox/subscriptions/{sub}/fail_payment")
        assert failed.status_code == 200, failed.text
        grace = eventually(
            lambda: (s := billing.get("/api/billing/subscription"))["status"] == "past_due" and s, timeout=20
        )
        assert grace["plan"] == "starter"  # the seller keeps the plan while Stripe retries the card
        # Stripe's retries run out: the subscription ends, and the seller is back on free.
        ended = httpx.post(f"{billing.stripe}/sandbox/subscriptions/{sub}/cancel")
        assert ended.status_code == 200, ended.text
        eventually(lambda: billing.get("/api/billing/subscription")["plan"] == "free", timeout=20)
        eventually(lambda: billing.get("/api/catalog/quota")["plan"] == "free", timeout=20)
