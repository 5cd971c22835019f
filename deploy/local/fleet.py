"""Start the whole fleet on this machine: databases, migrations, every service, and the URLs.

``make run`` calls this; once the fleet is ready it makes the demo seller ready (``demo_seller.py``, local
runs only) and prints its login for ``make demo``. Ctrl-C stops everything. The end-to-end tests import
``Fleet`` to start one fleet of their own (other ports, other databases, another broker namespace).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fleet_table import PROCESSES, ROOT, Process, available, gateway_upstreams, resolve, service_clients

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_seller import DEMO_EMAIL, DEMO_PASSWORD, DemoSetupError, ensure_demo_seller, non_local_environments

SMTP_PORT = 1025  # the mail sink's (sandbox/mail), where a local run's mail is delivered
PG = os.environ.get("VITRINE_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
AMQP = os.environ.get("VITRINE_AMQP", "amqp://guest:guest@127.0.0.1:5672/")

# Started once every other process is ready: the plugin stand-in registers the demo seller, and a tenant
# created before a service's queue is bound to the broker would never reach that service (billing would not
# know the seller: no AI credits, no marketplace slots).
LAST = frozenset({"sandbox-vinted-plugin"})

# The table's rows (deploy/fleet.toml), in start order; the names the e2e tests import.
Service = Process
SERVICES = PROCESSES
__all__ = ["AMQP", "PG", "SERVICES", "Fleet", "Service", "available"]


@dataclass
class Fleet:
    """The fleet's processes; ``port_offset``, ``db_suffix`` and ``namespace`` let tests run one beside ``make run``."""

    port_offset: int = 0
    db_suffix: str = ""
    namespace: str = ""
    log_dir: Path = ROOT / ".run" / "logs"
    extra_env: dict[str, str] = field(default_factory=dict)
    # The servers it uses; the drills point a fleet at a PostgreSQL, RabbitMQ and Redis of their own.
    pg: str = PG
    amqp: str = AMQP
    redis_url: str | None = None
    # More databases per service, by name (``DATABASE_SHARDS``): each service with a database gets
    # ``<database><db_suffix>_<name>`` besides its home database. Empty: one database each (``make run``).
    shards: tuple[str, ...] = ()
    # Which services get them (None: every service with a database).
    shard_services: frozenset[str] | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def port(self, service: Service) -> int:
        return service.port + self.port_offset

    def base_url(self, service: Service) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    def url(self, name: str) -> str:
        return self.base_url(next(s for s in SERVICES if s.name == name))

    def plan_marketplaces(self, plan: str, marketplaces: int | None) -> None:
        """Set how many marketplaces ``plan`` connects (plans are data in billing-service's database): the
        test fleets let one free seller connect every marketplace; the limit itself is tested on another plan."""
        import asyncio

        import asyncpg

        async def update() -> None:
            base = self.pg.replace("postgresql+asyncpg://", "postgresql://")
            billing = next(s for s in SERVICES if s.name == "billing-service")
            conn = await asyncpg.connect(f"{base}/{billing.database}{self.db_suffix}")
            try:
                await conn.execute(
                    "UPDATE shared.plans SET marketplaces = $1 WHERE code = $2", marketplaces, plan
                )
            finally:
                await conn.close()

        asyncio.run(update())

    def media_dir(self) -> Path:
        """Local photos live beside the local databases, outside the checkout (a fresh clone of the project
        still finds the photos its databases name), one folder per set of databases."""
        data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        return data / "vitrine" / f"media{self.db_suffix}"

    def env(self, service: Service) -> dict[str, str]:
        p = service.env_prefix
        env = dict(os.environ)
        env.update(
            {
                f"{p}PORT": str(self.port(service)),
                f"{p}SERVICE_NAME": service.name,
                f"{p}AMQP_URL": self.amqp,
                f"{p}BROKER_NAMESPACE": self.namespace,
                f"{p}JWKS_URL": f"{self.url('auth-service')}/.well-known/jwks.json",
                f"{p}LOG_JSON": env.get("VITRINE_LOG_JSON", "true"),
            }
        )
        # The URLs between processes, from the table; on one machine browsers and services use the same.
        env.update(
            {f"{p}{key}": resolve(value, self.base_url, self.base_url) for key, value in service.env.items()}
        )
        if service.name == "auth-service":
            env["AUTH_SERVICE_CLIENTS"] = json.dumps(service_clients(self.services()))
        if service.name == "marketplace-ebay":
            # Sales show up within a few seconds of a poll.
            env["EBAY_ORDER_POLL_INTERVAL_S"] = "2" if self.port_offset else "5"
            # Listings ended on eBay and cancelled orders show up within one reconciliation.
            env["EBAY_RECONCILE_INTERVAL_S"] = "3" if self.port_offset else "30"
        if service.name == "marketplace-etsy":
            # Etsy has no sale notifications: receipts are polled (the shared rate budget allows this pace).
            env.setdefault("ETSY_RECEIPT_POLL_INTERVAL_S", "2" if self.port_offset else "5")
        if service.database:
            env[f"{p}DATABASE_URL"] = f"{self.pg}/{service.database}{self.db_suffix}"
            if self.shard_databases(service):
                env[f"{p}DATABASE_SHARDS"] = ",".join(
                    f"{name}={self.pg}/{database}" for name, database in self.shard_databases(service).items()
                )
        if service.name == "media-service":
            env["MEDIA_LOCAL_STORAGE_DIR"] = str(self.media_dir())
        if service.name in ("mail-sink", "auth-service", "notification-service"):
            # The mail sink's SMTP port moves with the others, so two fleets on one machine never share it.
            env[f"{p}SMTP_PORT"] = str(SMTP_PORT + self.port_offset)
        if service.name == "gateway" and self.port_offset:
            # The gateway's defaults are the table's routes on the table's ports; another fleet passes its own.
            env["GATEWAY_UPSTREAMS"] = json.dumps(gateway_upstreams(self.base_url))
        if service.name == "gateway" and self.redis_url:
            env["GATEWAY_REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def shard_databases(self, service: Service) -> dict[str, str]:
        """The names of a service's databases besides its home one, by shard name."""
        if not service.database or (
            self.shard_services is not None and service.name not in self.shard_services
        ):
            return {}
        return {name: f"{service.database}{self.db_suffix}_{name}" for name in self.shards}

    def move_tenant(
        self, tenant_id: str, shard: str, names: list[str] | None = None
    ) -> dict[str, dict[str, object]]:
        """Move one tenant to the database ``shard`` in every service that has several databases and the
        tenant (``move-tenant``, one service after the other); the report of each service, or why it was
        skipped."""
        reports: dict[str, dict[str, object]] = {}
        for service in self.services():
            if not self.shard_databases(service) or (names is not None and service.name not in names):
                continue
            for attempt in range(5):
                done = subprocess.run(
                    ["uv", "run", "--frozen", service.command, "move-tenant", tenant_id, shard],
                    cwd=ROOT,
                    env=self.env(service),
                    capture_output=True,
                    text=True,
                )
                # A move resumes where it stopped: PostgreSQL out of connections for a moment is worth a rerun.
                if done.returncode == 0 or "too many clients" not in done.stderr:
                    break
                time.sleep(2 + 2 * attempt)
            if done.returncode == 0:
                reports[service.name] = json.loads(done.stdout.strip().splitlines()[-1])
            elif "not provisioned" in done.stderr:
                reports[service.name] = {"outcome": "not here"}
            else:
                raise RuntimeError(
                    f"{service.name} move-tenant failed ({done.returncode}): {done.stderr[-2000:]}"
                )
        return reports

    def services(self) -> list[Service]:
        return [s for s in SERVICES if available(s)]

    def prepare(self, parallel: int = 4) -> None:
        """Create every service database and migrate it (shared, then every tenant schema).

        Services have databases of their own, so they are prepared side by side: most of each step is
        interpreter start-up and waiting on PostgreSQL, not CPU.
        """

        def prepare_one(service: Service) -> None:
            for step in ("create-db", "migrate"):
                subprocess.run(
                    ["uv", "run", "--frozen", service.command, step],
                    cwd=ROOT,
                    env=self.env(service),
                    check=True,
                    stdout=subprocess.DEVNULL,
                )

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for future in [pool.submit(prepare_one, s) for s in self.services() if s.database]:
                future.result()

    def start(self) -> None:
        """Start every process but the ``LAST`` ones, which ``wait_ready`` starts once the others are ready."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.services():
            if service.name not in LAST:
                self.spawn(service)

    def spawn(self, service: Service) -> None:
        log = (self.log_dir / f"{service.name}{self.db_suffix}.log").open("ab")
        self.processes[service.name] = subprocess.Popen(
            ["uv", "run", "--frozen", service.command, *service.args],
            cwd=ROOT,
            env=self.env(service),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> dict[str, bool]:
        deadline = time.monotonic() + timeout
        state = {s.name: False for s in self.services()}
        while time.monotonic() < deadline and not all(state.values()):
            for service in self.services():
                if state[service.name] or service.name not in self.processes:
                    continue
                proc = self.processes[service.name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{service.name} exited with {proc.returncode}; see {self.log_dir}")
                with contextlib.suppress(OSError):
                    url = f"http://127.0.0.1:{self.port(service)}{service.ready_path}"
                    with urllib.request.urlopen(url, timeout=2) as r:
                        state[service.name] = r.status == 200
            if all(ready for name, ready in state.items() if name not in LAST):
                for service in self.services():
                    if service.name in LAST and service.name not in self.processes:
                        self.spawn(service)
            time.sleep(0.3)
        return state

    def stop(self) -> None:
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        self.processes.clear()


def demo_seller(fleet: Fleet) -> str:
    """Make the demo seller ready (local runs only) and say how to log in, or why there is none."""
    envs = {s.name: fleet.env(s) for s in fleet.services()}
    outside = non_local_environments(envs, {s.name: s.env_prefix for s in fleet.services()})
    if outside:
        return f"none: not a local run ({', '.join(outside)})"
    try:
        with httpx.Client(base_url=fleet.url("gateway"), timeout=30) as api:
            ensure_demo_seller(api)
    except (DemoSetupError, httpx.HTTPError) as exc:
        return f"NOT READY ({exc}); `make demo` tries again"
    return (
        f"{DEMO_EMAIL} / {DEMO_PASSWORD}  (eBay, Etsy and Vinted connected to the stand-ins; try `make demo`)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-prepare", action="store_true", help="skip database creation and migrations")
    parser.add_argument(
        "--migrate-only", action="store_true", help="create and migrate the databases, then exit"
    )
    parser.add_argument(
        "--shards",
        default=os.environ.get("VITRINE_SHARDS", ""),
        help="extra databases per service, comma-separated names (default: none, one database each)",
    )
    args = parser.parse_args()
    fleet = Fleet(shards=tuple(s for s in args.shards.split(",") if s))

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started in the background, where SIGINT is ignored
    if not args.no_prepare:
        fleet.prepare()
    if args.migrate_only:
        return 0
    fleet.start()
    try:
        state = fleet.wait_ready()
        gateway = next((s for s in fleet.services() if s.name == "gateway"), None)
        print("\nVitrine is running:")
        if gateway is not None:
            print(
                f"  API (gateway)      http://127.0.0.1:{fleet.port(gateway)}    docs: /docs  spec: /openapi.json"
            )
        for service in fleet.services():
            if service.name != "gateway":
                mark = "ready" if state[service.name] else "NOT READY"
                print(f"  {service.name:<18} http://127.0.0.1:{fleet.port(service)}    ({mark})")
        print(f"  logs               {fleet.log_dir}")
        print(f"  demo seller        {demo_seller(fleet)}")
        print("Ctrl-C stops the fleet.\n")
        while all(p.poll() is None for p in fleet.processes.values()):
            time.sleep(1)
        dead = [n for n, p in fleet.processes.items() if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited; see {fleet.log_dir}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping the fleet…")
        return 0
    finally:
        # A second Ctrl-C (or the signal forwarded by `uv run`) must not cut the orderly stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        fleet.stop()


if __name__ == "__main__":
    raise SystemExit(main())
