"""One fleet for every drill, on a PostgreSQL, RabbitMQ and Redis of its own (see ``infra.py``), ports +300."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "deploy" / "local"))
from fleet import Fleet  # noqa: E402

from infra import Infra, port_open, remember  # noqa: E402

# make run is +0, the e2e fleet +100; a second drill run on the same machine needs another (400, 500…).
PORT_OFFSET = int(os.environ.get("DRILLS_PORT_OFFSET", "300"))
LOG_DIR = ROOT / ".run" / f"drills-{PORT_OFFSET}"


def _raise_on_term(*_: Any) -> None:
    raise KeyboardInterrupt  # a CI timeout's SIGTERM still runs the teardown below


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    signal.signal(signal.SIGTERM, _raise_on_term)
    servers = Infra.start()
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="session")
def fleet(infra: Infra) -> Iterator[DrillFleet]:
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    fleet = DrillFleet(
        port_offset=PORT_OFFSET,
        namespace="drills.",
        log_dir=LOG_DIR,
        pg=infra.postgres.url,
        amqp=infra.rabbit.url,
        redis_url=infra.redis.url,
        infra=infra,
        extra_env={
            # Many sellers and products from one IP in a few seconds: the drills lift the per-IP limits.
            "GATEWAY_RATE_LIMITS": '[{"name":"ip","key":"ip","rate_per_s":5000,"burst":20000}]',
            "AUTH_ARGON2_MEMORY_KIB": "8192",
            "AUTH_ARGON2_TIME_COST": "1",
            # marketplace-ebay's publish holds two pool connections at once: 32 commands in flight (the kit's
            # prefetch) starve its pool of 20 for 10 s at a time. Until it is fixed there, 8 in flight.
            "EBAY_CONSUMER_PREFETCH": "8",
            "VITRINE_LOG_JSON": "true",
            # The drills' photos go with their own servers, not beside `make run`'s.
            "MEDIA_LOCAL_STORAGE_DIR": str(infra.root / "media"),
        },
    )
    busy = [s.name for s in fleet.services() if port_open(fleet.port(s))]
    assert not busy, (
        f"ports of offset +{PORT_OFFSET} taken ({busy}): another drill run? Set DRILLS_PORT_OFFSET"
    )
    try:
        fleet.prepare()
        fleet.plan_marketplaces("free", 3)  # the drills' sellers connect eBay and Etsy
        fleet.start()
        state = fleet.wait_ready(timeout=180)
        assert all(state.values()), f"fleet not ready: {state}; logs in {LOG_DIR}"
        yield fleet
    finally:
        fleet.stop()


class DrillFleet(Fleet):
    """A ``Fleet`` that can stop and start one of its processes, and notes each for the sweep."""

    def __init__(self, *, infra: Infra, **kw: Any) -> None:
        super().__init__(**kw)
        self.infra = infra

    def prepare(self) -> None:
        """Create and migrate every database, three at a time (``migrate`` creates a missing one)."""

        def migrate(service: Any) -> None:
            subprocess.run(
                ["uv", "run", "--frozen", service.command, "migrate"],
                cwd=ROOT,
                env=self.env(service),
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / "migrations.log").open("ab") as log, ThreadPoolExecutor(3) as pool:
            list(pool.map(migrate, [s for s in self.services() if s.database]))

    def start(self) -> None:
        super().start()
        for name, proc in self.processes.items():
            remember(self.infra.root, proc.pid, self.service(name).command)

    def service(self, name: str) -> Any:
        return next(s for s in self.services() if s.name == name)

    def kill(self, name: str) -> None:
        """``kill -9`` the process (and its ``uv run`` parent): no shutdown hook runs."""
        proc = self.processes.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def start_one(self, name: str, timeout: float = 120) -> float:
        """Start one process as ``start`` does and wait until it is ready; the seconds it took."""
        service, started = self.service(name), time.monotonic()
        log = (self.log_dir / f"{service.name}{self.db_suffix}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            ["uv", "run", "--frozen", service.command, *service.args],
            cwd=ROOT,
            env=self.env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        remember(self.infra.root, self.processes[name].pid, service.command)
        self.wait_until_ready(timeout)
        return time.monotonic() - started

    def wait_until_ready(self, timeout: float = 120) -> None:
        state = self.wait_ready(timeout)
        assert all(state.values()), f"not ready again: {state}; logs in {self.log_dir}"


@pytest.fixture
def api(fleet: DrillFleet) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fleet.url("gateway"), timeout=30) as client:
        yield client
