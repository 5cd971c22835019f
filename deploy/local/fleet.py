"""Start the whole fleet on this machine: databases, migrations, every service, and the URLs.

``make run`` calls this. Ctrl-C stops everything. The end-to-end tests import ``Fleet`` to start one fleet
of their own (other ports, other databases, another broker namespace).
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("VITRINE_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
AMQP = os.environ.get("VITRINE_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


@dataclass(frozen=True)
class Service:
    """One process of the fleet: its folder, console command, env prefix, port and whether it has a database."""

    name: str
    command: str
    env_prefix: str
    port: int
    database: str | None
    public_path: str = ""
    serve: tuple[str, ...] = ("serve",)
    ready_path: str = "/readyz"
    path: str = ""  # folder, when it is not the name (the sandboxes live under sandbox/)


# The order is the start order; the gateway comes last so that its upstreams are there.
SERVICES = [
    # Stand-ins for the outside world (sandbox/): the default marketplaces of a local run.
    Service(
        "sandbox-ebay",
        "sandbox-ebay",
        "SANDBOX_EBAY_",
        8021,
        None,
        serve=(),
        ready_path="/healthz",
        path="sandbox/ebay",
    ),
    Service("auth-service", "auth-service", "AUTH_", 8001, "vitrine_auth", "/api/auth"),
    Service("catalog-service", "catalog-service", "CATALOG_", 8002, "vitrine_catalog", "/api/catalog"),
    Service("media-service", "media-service", "MEDIA_", 8003, "vitrine_media", "/api/media"),
    Service("marketplace-ebay", "marketplace-ebay", "EBAY_", 8006, "vitrine_ebay", "/api/marketplaces/ebay"),
    Service(
        "marketplace-vinted",
        "marketplace-vinted",
        "VINTED_",
        8008,
        "vitrine_vinted",
        "/api/marketplaces/vinted",
    ),
    Service("relay-service", "relay-service", "RELAY_", 8009, None, ready_path="/readyz"),
    Service(
        "sandbox-vinted",
        "sandbox-vinted",
        "SANDBOX_VINTED_",
        8023,
        None,
        serve=(),
        ready_path="/healthz",
        path="sandbox/vinted",
    ),
    # The browser plugin's stand-in, paired with the demo seller; /healthz is 200 once it is connected.
    Service(
        "sandbox-vinted-plugin",
        "sandbox-vinted-plugin",
        "SANDBOX_VINTED_PLUGIN_",
        8024,
        None,
        serve=(),
        ready_path="/healthz",
        path="sandbox/vinted",
    ),
    # The gateway's /readyz reports every upstream, including those not built yet: /healthz says it is up.
    Service("gateway", "gateway", "GATEWAY_", 8000, None, "", serve=(), ready_path="/healthz"),
]


# The gateway's routing table (its defaults use these ports); a fleet on other ports passes its own.
GATEWAY_ROUTES = [
    ("auth", "/api/auth", 8001),
    ("catalog", "/api/catalog", 8002),
    ("media", "/api/media", 8003),
    ("ai", "/api/ai", 8004),
    ("billing", "/api/billing", 8005),
    ("marketplace-ebay", "/api/marketplaces/ebay", 8006),
    ("marketplace-etsy", "/api/marketplaces/etsy", 8007),
    ("marketplace-vinted", "/api/marketplaces/vinted", 8008),
]


# Service clients seeded at auth-service for a local run (client-credentials grant between services); the
# secrets are each service's local default. One list: add a line when a service starts using service tokens.
SERVICE_CLIENTS = [
    {"client_id": "marketplace-ebay", "client_secret": "marketplace-ebay-local-secret", "scopes": []},
    {"client_id": "relay-service", "client_secret": "relay-service-local-secret", "scopes": []},
    {"client_id": "marketplace-vinted", "client_secret": "marketplace-vinted-local-secret", "scopes": []},
]


def available(service: Service) -> bool:
    return (ROOT / (service.path or service.name) / "pyproject.toml").exists()


@dataclass
class Fleet:
    """The fleet's processes; ``port_offset``, ``db_suffix`` and ``namespace`` let tests run one beside ``make run``."""

    port_offset: int = 0
    db_suffix: str = ""
    namespace: str = ""
    log_dir: Path = ROOT / ".run" / "logs"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def port(self, service: Service) -> int:
        return service.port + self.port_offset

    def url(self, name: str) -> str:
        service = next(s for s in SERVICES if s.name == name)
        return f"http://127.0.0.1:{self.port(service)}"

    def env(self, service: Service) -> dict[str, str]:
        p = service.env_prefix
        env = dict(os.environ)
        auth = next(s for s in SERVICES if s.name == "auth-service")
        env.update(
            {
                f"{p}PORT": str(self.port(service)),
                f"{p}SERVICE_NAME": service.name,
                f"{p}AMQP_URL": AMQP,
                f"{p}BROKER_NAMESPACE": self.namespace,
                f"{p}JWKS_URL": f"http://127.0.0.1:{self.port(auth)}/.well-known/jwks.json",
                f"{p}LOG_JSON": env.get("VITRINE_LOG_JSON", "true"),
            }
        )
        if service.name == "auth-service":
            env["AUTH_SERVICE_CLIENTS"] = json.dumps(SERVICE_CLIENTS)
        if service.name == "media-service":
            # Signed file URLs go through the gateway, the only public door.
            env["MEDIA_PUBLIC_BASE_URL"] = f"{self.url('gateway')}/api/media"
        if service.name == "marketplace-ebay":
            # This fleet's eBay is the sandbox; sales show up within a few seconds of a poll.
            sandbox = self.url("sandbox-ebay")
            env.update({f"EBAY_{k}": sandbox for k in ("API_BASE_URL", "AUTH_BASE_URL", "ITEM_URL_BASE")})
            env["EBAY_ORDER_POLL_INTERVAL_S"] = "2" if self.port_offset else "5"
            env["EBAY_MEDIA_URL"] = self.url("media-service")
            env["EBAY_AUTH_TOKEN_URL"] = f"{self.url('auth-service')}/oauth/token"
        if service.name == "sandbox-ebay":
            # The consent page sends the seller back to this fleet's gateway (eBay's RuName → accepted URL).
            callback = f"{self.url('gateway')}/api/marketplaces/ebay/oauth/callback"
            env["SANDBOX_EBAY_PUBLIC_URL"] = self.url("sandbox-ebay")
            env["SANDBOX_EBAY_RU_NAMES"] = json.dumps({"vitrine-local-runame": callback})
        if service.name == "relay-service":
            env["RELAY_AUTH_URL"] = self.url("auth-service")  # device revocation checked at connect
        if service.name == "marketplace-vinted":
            env["VINTED_AUTH_URL"] = self.url("auth-service")
            env["VINTED_MEDIA_URL"] = self.url("media-service")  # signs photo URLs for the plugin
        if service.name == "sandbox-vinted-plugin":
            env.update(
                {
                    "SANDBOX_VINTED_PLUGIN_RELAY_URL": self.url("relay-service"),
                    "SANDBOX_VINTED_PLUGIN_AUTH_URL": self.url("auth-service"),
                    "SANDBOX_VINTED_PLUGIN_VINTED_URL": self.url("sandbox-vinted"),
                }
            )
        if service.database:
            env[f"{p}DATABASE_URL"] = f"{PG}/{service.database}{self.db_suffix}"
        if service.name == "gateway" and self.port_offset:
            upstreams = {
                name: {"prefix": prefix, "url": f"http://127.0.0.1:{port + self.port_offset}"}
                for name, prefix, port in GATEWAY_ROUTES
            }
            env["GATEWAY_UPSTREAMS"] = json.dumps(upstreams)
        env.update(self.extra_env)
        return env

    def services(self) -> list[Service]:
        return [s for s in SERVICES if available(s)]

    def prepare(self) -> None:
        """Create every service database and migrate it (shared, then every tenant schema)."""
        for service in self.services():
            if service.database:
                for step in ("create-db", "migrate"):
                    subprocess.run(
                        ["uv", "run", "--frozen", service.command, step],
                        cwd=ROOT,
                        env=self.env(service),
                        check=True,
                        stdout=subprocess.DEVNULL if step == "create-db" else None,
                    )

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self.services():
            log = (self.log_dir / f"{service.name}{self.db_suffix}.log").open("ab")
            self.processes[service.name] = subprocess.Popen(
                ["uv", "run", "--frozen", service.command, *service.serve],
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
                if state[service.name]:
                    continue
                proc = self.processes.get(service.name)
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{service.name} exited with {proc.returncode}; see {self.log_dir}")
                with contextlib.suppress(OSError):
                    url = f"http://127.0.0.1:{self.port(service)}{service.ready_path}"
                    with urllib.request.urlopen(url, timeout=2) as r:
                        state[service.name] = r.status == 200
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-prepare", action="store_true", help="skip database creation and migrations")
    parser.add_argument(
        "--migrate-only", action="store_true", help="create and migrate the databases, then exit"
    )
    args = parser.parse_args()
    fleet = Fleet()

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
