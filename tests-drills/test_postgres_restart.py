"""Drill: the drills' PostgreSQL stops abruptly (``pg_ctl stop -m immediate``, a crash) under load and is
started again 8 s later.

Three writers create products through the gateway and read them back, each seller up to its plan's limit
(then the next seller of a pool made beforehand). During the outage every answer must
be 503 with Retry-After (never 500); afterwards every product whose creation was answered 2xx must exist.
"""

from __future__ import annotations

import collections
import itertools
import random
import threading
import time
from typing import Any

import httpx
import pytest

from sellers import Seller, figures

WRITERS, SELLERS, WARM_S, OUTAGE_S, AFTER_S = 3, 12, 5.0, 8.0, 20.0


class Load:
    """Writers creating products and reading one back, noting every answer."""

    def __init__(self, api: httpx.Client) -> None:
        self.base_url = str(api.base_url)
        self.sellers = [Seller(api) for _ in range(SELLERS)]
        self.next_seller = itertools.count()
        self.created: list[tuple[str, Seller]] = []
        self.statuses: collections.Counter[int] = collections.Counter()
        self.no_retry_after = 0
        self.bad: list[str] = []  # 5xx other than 503, and answers that never came
        self.last_ok_write = 0.0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.counter = itertools.count()

    def note(self, method: str, r: httpx.Response | None, error: str = "") -> None:
        with self.lock:
            if r is None:
                self.statuses[0] += 1
                self.bad.append(f"{method}: no answer ({error})")
                return
            self.statuses[r.status_code] += 1
            if r.status_code == 503 and "retry-after" not in r.headers:
                self.no_retry_after += 1
            if r.status_code >= 500 and r.status_code != 503:
                self.bad.append(f"{method} {r.request.url.path}: {r.status_code} {r.text[:300]}")

    def writer(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as c:
            seller = self.sellers[next(self.next_seller)]
            while not self.stopping.is_set():
                n = next(self.counter)
                body = {"title": f"Drill write {n}", "price": "9.00", "stock_quantity": 1}
                try:
                    r = c.post("/api/catalog/products", json=body, headers=seller.auth)
                except httpx.HTTPError as e:
                    self.note("POST", None, repr(e))
                    continue
                self.note("POST", r)
                if r.status_code == 403 and r.json()["type"].endswith("/product-quota-exceeded"):
                    seller = self.sellers[next(self.next_seller)]  # IndexError: make the pool larger
                if r.status_code == 201:
                    with self.lock:
                        self.created.append((r.json()["id"], seller))
                        self.last_ok_write = time.monotonic()
                with self.lock:
                    target = random.choice(self.created) if self.created else None
                if target:
                    try:
                        self.note("GET", c.get(f"/api/catalog/products/{target[0]}", headers=target[1].auth))
                    except httpx.HTTPError as e:
                        self.note("GET", None, repr(e))
                time.sleep(0.1)


@pytest.mark.timeout(600)
def test_postgres_crash_restart_under_load(api: httpx.Client, fleet: Any) -> None:
    load = Load(api)
    threads = [threading.Thread(target=load.writer, daemon=True) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    try:
        time.sleep(WARM_S)
        before = load.statuses.copy()
        fleet.infra.postgres.stop("immediate")
        down_at = time.monotonic()
        time.sleep(OUTAGE_S)
        during = load.statuses - before
        fleet.infra.postgres.start()
        up_at = time.monotonic()
        deadline = up_at + AFTER_S
        while time.monotonic() < deadline and load.last_ok_write < up_at:
            time.sleep(0.1)
        first_write_s = load.last_ok_write - up_at if load.last_ok_write > up_at else float("nan")
        time.sleep(3)
    finally:
        load.stopping.set()
        for t in threads:
            t.join(timeout=30)

    fleet.wait_until_ready(120)
    ready_s = time.monotonic() - up_at

    missing = [
        p for p, s in load.created if api.get(f"/api/catalog/products/{p}", headers=s.auth).status_code != 200
    ]
    total = sum(s.call("GET", "/api/catalog/products", params={"limit": 1})["total"] for s in load.sellers)
    server_errors = sum(n for status, n in load.statuses.items() if status >= 500 or status == 0)
    figures(
        "drill: PostgreSQL crashed (immediate stop) and restarted under load",
        {
            "writes acknowledged (2xx)": len(load.created),
            "acknowledged writes present afterwards": len(load.created) - len(missing),
            "products in catalog (acknowledged or not)": total,
            "answers during the outage": dict(sorted(during.items())),
            "answers overall": dict(sorted(load.statuses.items())),
            "503 without Retry-After": load.no_retry_after,
            "5xx other than 503 (or no answer)": len(load.bad),
            "5xx in all": server_errors,
            "outage": f"{up_at - down_at:.1f} s",
            "recovery (PostgreSQL up -> first acknowledged write)": f"{first_write_s:.1f} s",
            "recovery (PostgreSQL up -> every /readyz green, checked after the load)": f"<= {ready_s:.1f} s",
        },
    )
    for line in load.bad[:10]:
        print("   ", line)
    assert not missing, missing[:10]
    assert load.no_retry_after == 0
    assert not load.bad, load.bad[:10]
    assert load.last_ok_write > up_at, "no write succeeded after the restart"
