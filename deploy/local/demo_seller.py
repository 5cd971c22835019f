"""The demo seller of a local run: one login with eBay, Etsy and Vinted connected to the stand-ins.

``make run`` prints its login once the fleet is ready and ``make demo`` sells with it. Everything goes
through the gateway as a browser would (the stand-ins' consent pages approve at once), and each call is
idempotent: a second run finds the seller, keeps the connections that still work and replaces those the
stand-ins forgot (they hold their state in memory, so a restart of the fleet loses their tokens). Vinted
needs nothing here: the fleet's plugin stand-in (``sandbox-vinted-plugin``) pairs with this login itself.
Local only: refused when a process of the fleet runs outside ``ENVIRONMENT=local``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

# The plugin stand-in's defaults (sandbox/vinted/src/sandbox_vinted/plugin/cli.py): it registers this
# seller and pairs with it, so the Vinted side is connected by the fleet itself.
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"
EBAY = "/api/marketplaces/ebay"
ETSY = "/api/marketplaces/etsy"
VINTED = "/api/marketplaces/vinted"
LOCAL = frozenset({"local", "test"})
DEMO_PLANS = frozenset({"pro", "business"})
# The demo seller's Vinted writes go out 1-2 s apart (the default spaces them 20-50 s, a real account's pace).
DEMO_PACING = {"writes_per_hour": 50, "min_gap_s": 1.0, "max_gap_s": 2.0, "pause_every": 0, "pause_s": 0}


class DemoSetupError(RuntimeError):
    """The demo seller could not be made ready; the message says which step and why."""


def non_local_environments(envs: Mapping[str, Mapping[str, str]], prefixes: Mapping[str, str]) -> list[str]:
    """``name=environment`` of every process whose ``<PREFIX>ENVIRONMENT`` is not a local one."""
    found = []
    for name, env in envs.items():
        value = env.get(f"{prefixes[name]}ENVIRONMENT", "local")
        if value not in LOCAL:
            found.append(f"{name}={value}")
    return found


def refuse_outside_local(prefixes: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> None:
    """Raise unless every process of the fleet would run in a local environment (from this shell's env)."""
    outside = non_local_environments(dict.fromkeys(prefixes, environ), prefixes)
    if outside:
        raise DemoSetupError(f"the demo seller exists only in a local run; not with {', '.join(outside)}")


@dataclass
class DemoSeller:
    """A logged-in demo seller: the gateway client (it keeps the browser's cookies) and its header."""

    api: httpx.Client
    auth: dict[str, str]
    ebay_account: str
    etsy_account: str
    vinted_login: str


def _wait(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.HTTPError as exc:
            found, last = None, exc
        if found:
            return found
        time.sleep(0.3)
    raise DemoSetupError(f"{what}: not within {timeout:.0f} s" + (f" ({last})" if last else ""))


def _expect(response: httpx.Response, what: str, *codes: int) -> Any:
    if response.status_code not in codes:
        raise DemoSetupError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def _login(api: httpx.Client, timeout: float) -> dict[str, str]:
    """Register the seller unless it exists (the plugin stand-in usually did), then log in."""
    api.post("/api/auth/register", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})

    def login() -> dict[str, str] | None:
        response = api.post("/api/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        return {"Authorization": f"Bearer {response.json()['access_token']}"} if response.is_success else None

    return dict(_wait("log in as the demo seller", login, timeout))


def _connect_ebay(api: httpx.Client, auth: dict[str, str]) -> str:
    """eBay's consent (the stand-in approves at once), back through the gateway, then the guided setup."""
    start = _expect(
        api.post(f"{EBAY}/oauth/authorize", json={"site": "EBAY_FR"}, headers=auth), "start eBay", 200
    )
    consent = httpx.get(start["authorize_url"], follow_redirects=False, timeout=30)
    back = api.get(consent.headers.get("location", ""), follow_redirects=False)
    query = parse_qs(urlparse(back.headers.get("location", "")).query)
    if query.get("ebay") != ["connected"]:
        raise DemoSetupError(f"connect eBay: came back with {back.headers.get('location')!r}")
    account = query["account_id"][0]
    address = {"address": {"country": "FR", "postal_code": "75011", "city": "Paris"}}
    setup = _expect(
        api.post(f"{EBAY}/accounts/{account}/setup", json=address, headers=auth), "eBay setup", 200
    )
    if not setup["ready"]:
        raise DemoSetupError(f"eBay setup left items to do: {setup['checklist']}")
    return str(account)


def ensure_ebay(api: httpx.Client, auth: dict[str, str]) -> str:
    """The seller's working eBay account: kept when eBay answers for it, replaced when the stand-in forgot it."""
    accounts = _expect(api.get(f"{EBAY}/accounts", headers=auth), "list eBay accounts", 200)
    working = None
    for account in accounts:
        setup = api.get(f"{EBAY}/accounts/{account['id']}/setup", headers=auth)
        if working is None and setup.status_code == 200 and setup.json()["ready"]:
            working = str(account["id"])
            continue
        # Forgotten by the stand-in (a new fleet) or a second one: ended and forgotten, best effort.
        for end in ("true", "false"):
            if api.delete(
                f"{EBAY}/accounts/{account['id']}", params={"end_listings": end}, headers=auth
            ).is_success:
                break
    return working or _connect_ebay(api, auth)


def _connect_etsy(api: httpx.Client, auth: dict[str, str]) -> str:
    """Etsy's consent followed as the browser does: the gateway client carries the connection cookie."""
    start = _expect(api.post(f"{ETSY}/oauth/authorize", json={}, headers=auth), "start Etsy", 200)
    consent = api.get(start["authorize_url"], follow_redirects=False)
    back = api.get(consent.headers.get("location", ""), follow_redirects=False)
    query = parse_qs(urlparse(back.headers.get("location", "")).query)
    if query.get("etsy") != ["connected"]:
        raise DemoSetupError(f"connect Etsy: came back with {back.headers.get('location')!r}")
    setup = _expect(api.get(f"{ETSY}/account/setup", headers=auth), "Etsy setup", 200)
    if not setup["ready"]:
        raise DemoSetupError(f"the Etsy shop is not ready: {setup['checklist']}")
    return str(query["account_id"][0])


def ensure_etsy(api: httpx.Client, auth: dict[str, str]) -> str:
    """The seller's Etsy shop: kept when Etsy answers for it, else disconnected and connected again."""
    account = api.get(f"{ETSY}/account", headers=auth)
    if account.status_code == 200:
        setup = api.get(f"{ETSY}/account/setup", headers=auth)
        if setup.status_code == 200 and setup.json()["ready"]:
            return str(account.json()["id"])
        api.delete(f"{ETSY}/account", headers=auth)
    return _connect_etsy(api, auth)


def ensure_vinted(api: httpx.Client, auth: dict[str, str], timeout: float) -> str:
    """The Vinted session the fleet's plugin stand-in reports for this seller, paced for a demo."""

    def online() -> dict[str, Any] | None:
        account = api.get(f"{VINTED}/account", headers=auth)
        found = account.json() if account.status_code == 200 else {}
        return found if found.get("logged_in") and found.get("plugins_online", 0) >= 1 else None

    account = _wait("the plugin stand-in (sandbox-vinted-plugin) to report Vinted", online, timeout)
    _expect(api.put(f"{VINTED}/account/pacing", json=DEMO_PACING, headers=auth), "Vinted pacing", 200)
    return str(account["login"])


def ensure_plan(api: httpx.Client, auth: dict[str, str], timeout: float) -> None:
    """The demo seller on the pro plan (three marketplaces are more than the free plan connects), paid on the
    Stripe stand-in as a person would on its page."""
    if _expect(api.get("/api/billing/subscription", headers=auth), "the plan", 200)["plan"] in DEMO_PLANS:
        return
    checkout = _expect(
        api.post("/api/billing/checkout/subscription", json={"plan": "pro"}, headers=auth), "checkout", 201
    )
    stripe = checkout["url"].split("/c/pay/", 1)[0]
    paid = httpx.post(
        f"{stripe}/sandbox/checkout_sessions/{checkout['session_id']}/complete", json={"outcome": "paid"}
    )
    _expect(paid, "paying on the Stripe stand-in", 200)

    def on_pro() -> bool | None:
        plan = api.get("/api/billing/subscription", headers=auth).json().get("plan")
        return True if plan in DEMO_PLANS else None

    _wait("billing to apply the pro plan", on_pro, timeout)


def ensure_demo_seller(api: httpx.Client, timeout: float = 60.0) -> DemoSeller:
    """Log the demo seller in on ``api`` (a gateway client) and make sure every marketplace is connected."""
    auth = _login(api, timeout)
    ensure_plan(api, auth, timeout)
    return DemoSeller(
        api=api,
        auth=auth,
        ebay_account=ensure_ebay(api, auth),
        etsy_account=ensure_etsy(api, auth),
        vinted_login=ensure_vinted(api, auth, timeout),
    )
