"""Feed benchmark: N idle SSE streams on one notification-service process, then events at a fixed rate.

Prints the process's memory per stream, then one table: per phase the streams open, the events offered, the
deliveries expected (events times streams of the event's tenant) and made, delivery latency p50/p99/max (the
event published to the broker → a client holds its item; wall clock of one machine), and the CPU the
service, the clients and RabbitMQ used. The service runs alone in its process (``RUN_MODE=all``: consumer,
outbox relay, feed queue and HTTP in one), on a scratch database and a private broker namespace; the
clients are plain asyncio sockets in ``--client-procs`` processes of their own (``clients.py``). Needs the local PostgreSQL
and RabbitMQ. Run from the repository root: ``uv run python bench/feed/run.py [--streams 5000 --rates 20,200]``.
See ``README.md`` beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
from vitrine_contracts import new_envelope
from vitrine_contracts.billing import CreditsLow
from vitrine_kit.testing.helpers import free_port
from vitrine_kit.testing.infra import delete_namespace
from vitrine_kit.testing.tokens import TestKeys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, PG, db_name, percentile, serve_jwks, table

ROOT = Path(__file__).resolve().parents[2]
LOAD = os.getloadavg()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int | None) -> float:
    """User + system CPU seconds ``pid`` has used so far."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rabbitmq_pid() -> int | None:
    for d in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if d.name.isdigit() and (d / "comm").read_text().strip() == "beam.smp":
                return int(d.name)
    return None


# --- the clients ----------------------------------------------------------------------------------------


class Clients:
    """``procs`` processes of ``clients.py`` (standard library and uvloop only), the tokens dealt among them."""

    def __init__(self, port: int, tokens: list[str], procs: int) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        self.files = []
        for k in range(procs):
            path = Path(tempfile.mkstemp(prefix="bench-feed-tokens-")[1])
            path.write_text("\n".join(tokens[k::procs]))
            self.files.append(path)
        self.port = port

    def connect(self) -> float:
        started = time.perf_counter()
        script = str(Path(__file__).with_name("clients.py"))
        for path in self.files:
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, script, str(self.port), str(path)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in self.procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a client process did not open its streams")
        return time.perf_counter() - started

    def ask(self, command: str) -> dict[str, Any]:
        merged: dict[str, Any] = {"latencies": [], "heartbeats": 0, "closed": 0, "ended": 0, "refused": 0}
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
        for proc in self.procs:
            assert proc.stdout is not None
            part = json.loads(proc.stdout.readline())
            merged["latencies"] += part["latencies"]
            for key in ("heartbeats", "closed", "ended", "refused"):
                merged[key] += part[key]
        return merged

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(Exception):
                assert proc.stdin is not None
                proc.stdin.write("stop\n")
                proc.stdin.flush()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for path in self.files:
            path.unlink(missing_ok=True)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]


# --- the service ----------------------------------------------------------------------------------------


def start_service(
    port: int, database_url: str, namespace: str, jwks_url: str, mode: str = "all"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NOTIFY_PORT": str(port),
        "NOTIFY_DATABASE_URL": database_url,
        "NOTIFY_AMQP_URL": AMQP,
        "NOTIFY_BROKER_NAMESPACE": namespace,
        "NOTIFY_JWKS_URL": jwks_url,
        "NOTIFY_RUN_MODE": mode,
        "NOTIFY_LOG_LEVEL": os.environ.get("BENCH_SERVICE_LOG_LEVEL", "WARNING"),
        "NOTIFY_DB_POOL_SIZE": "20",
    }
    for step in ("create-db", "migrate") if mode != "worker" else ():
        subprocess.run(
            [sys.executable, "-m", "notification_service.cli", step],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log = open(Path(os.environ.get("BENCH_LOG_DIR", "/tmp")) / f"bench-feed-{port}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "notification_service.cli", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"notification-service did not become ready; see {log.name}")


def consumed(ports: list[int]) -> float:
    """Events the service's consumers have handled so far (their /metrics)."""
    total = 0.0
    for port in ports:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        total += sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("events_consumed_total{") and 'outcome="ok"' in line
        )
    return total


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def publish(namespace: str, tenants: list[uuid.UUID], rate: float, seconds: float) -> int:
    """``credits.low`` events open loop at ``rate``/s, round-robin over ``tenants``; returns how many were sent."""
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel(publisher_confirms=False)
        exchange = await channel.get_exchange(f"{namespace}vitrine.events", ensure=False)
        total = int(rate * seconds)
        start = time.perf_counter()
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            envelope = new_envelope(
                CreditsLow(balance=n, monthly_allowance=100),
                producer="bench",
                tenant_id=tenants[n % len(tenants)],
            )
            await exchange.publish(
                aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.id)),
                routing_key=CreditsLow.event_type,
            )
        return total


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--tenants", type=int, default=250, help="streams are spread evenly over them")
    parser.add_argument(
        "--rates", default="20,200", help="events per second, one paced phase each (comma-separated)"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle-s", type=float, default=25.0, help="idle phase (longer than one heartbeat)")
    parser.add_argument("--client-procs", type=int, default=4)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="0: one process does everything (RUN_MODE=all); N: the streams on a RUN_MODE=api process and N "
        "RUN_MODE=worker processes consuming, as deployed",
    )
    args = parser.parse_args()

    keys = TestKeys()
    jwks, jwks_url = serve_jwks(keys)
    run = uuid.uuid4().hex[:8]
    namespace, database = f"bench.feed.{run}.", db_name("feed")
    base = PG.rsplit("/", 1)[0]
    port = free_port()
    proc = start_service(port, f"{base}/{database}", namespace, jwks_url, "api" if args.workers else "all")
    worker_ports = [free_port() for _ in range(args.workers)]
    workers = [start_service(p, f"{base}/{database}", namespace, jwks_url, "worker") for p in worker_ports]
    ports = [port, *worker_ports]
    clients: Clients | None = None
    rabbit = rabbitmq_pid()
    try:
        tenants = [uuid.uuid4() for _ in range(args.tenants)]
        tokens_of = {t: keys.issue(tenant_id=t, ttl_s=3600) for t in tenants}
        started = time.perf_counter()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for t in tenants:  # each tenant's schema is made on its first request
                assert (
                    http.get("/feed/history", headers={"Authorization": f"Bearer {tokens_of[t]}"}).status_code
                    == 200
                )
        provisioned_s = time.perf_counter() - started
        time.sleep(2)
        idle_kib = rss_kib(proc.pid)
        tokens = [tokens_of[tenants[i % len(tenants)]] for i in range(args.streams)]
        clients = Clients(port, tokens, args.client_procs)
        connect_s = clients.connect()
        time.sleep(2)
        connected_kib = rss_kib(proc.pid)
        per_stream = (connected_kib - idle_kib) / args.streams
        print(
            f"{args.streams} streams ({args.tenants} tenants, {args.client_procs} client processes; "
            f"{'one process' if not args.workers else f'an api process and {args.workers} worker processes'}) opened in "
            f"{connect_s:.1f} s (tenants provisioned in {provisioned_s:.0f} s); service RSS {idle_kib / 1024:.0f} MiB "
            f"idle, {connected_kib / 1024:.0f} MiB with the streams → {per_stream:.1f} KiB per stream; "
            f"load average before the run {LOAD[0]:.2f} on {os.cpu_count()} cores"
        )
        rows = []

        def phase(
            name: str, offered: float, seconds: float, events: int, expected: int, handled: float
        ) -> None:
            got = clients.ask("report") if clients else {}
            lat = [x * 1000 for x in got["latencies"]]
            rows.append(
                [
                    name,
                    args.streams - got["closed"],
                    f"{offered:g}",
                    events,
                    expected,
                    len(lat),
                    f"{percentile(lat, 50):.1f}" if lat else "-",
                    f"{percentile(lat, 99):.1f}" if lat else "-",
                    f"{max(lat):.0f}" if lat else "-",
                    got["heartbeats"],
                    cpu_line(seconds),
                    f"{(cpu_s(proc.pid) + workers_cpu() - marks['service'] - marks['workers']) * 1000 / handled:.1f}"
                    if handled
                    else "-",
                    f"{rss_kib(proc.pid) / 1024:.0f}",
                ]
            )

        marks: dict[str, float] = {}

        def workers_cpu() -> float:
            return sum(cpu_s(w.pid) for w in workers)

        def mark() -> None:
            marks.update(
                service=cpu_s(proc.pid),
                workers=workers_cpu(),
                clients=sum(cpu_s(p) for p in clients.pids) if clients else 0.0,
                rabbit=cpu_s(rabbit),
            )

        def cpu_line(seconds: float) -> str:
            now = {
                "service": cpu_s(proc.pid),
                "workers": workers_cpu(),
                "clients": sum(cpu_s(p) for p in clients.pids) if clients else 0.0,
                "rabbit": cpu_s(rabbit),
            }
            return " / ".join(
                f"{(now[k] - marks[k]) / seconds * 100:.0f}"
                for k in ("service", "workers", "clients", "rabbit")
            )

        clients.ask("reset")
        mark()
        time.sleep(args.idle_s)
        phase("idle", 0, args.idle_s, 0, 0, 0)

        per_tenant = args.streams / args.tenants
        for rate in (float(r) for r in args.rates.split(",")):
            clients.ask("reset")
            mark()
            handled_before = consumed(ports)
            began = time.perf_counter()
            sent = asyncio.run(publish(namespace, tenants, rate, args.seconds))
            expected = int(sent * per_tenant)
            drain_until = time.monotonic() + 30  # the backlog's deliveries, if any
            while time.monotonic() < drain_until and len(clients.ask("report")["latencies"]) < expected:
                time.sleep(1)
            phase(
                f"paced {rate:g}/s",
                rate,
                time.perf_counter() - began,
                sent,
                expected,
                consumed(ports) - handled_before,
            )

        print(
            table(
                [
                    "phase",
                    "streams open",
                    "events/s",
                    "events",
                    "deliveries expected",
                    "delivered",
                    "p50 ms",
                    "p99 ms",
                    "max ms",
                    "keep-alives",
                    "CPU % streams' process / workers / clients / rabbitmq",
                    "service CPU ms per event",
                    "service RSS MiB",
                ],
                rows,
            )
        )
    finally:
        if clients is not None:
            clients.stop()
        for service in (proc, *workers):
            service.send_signal(signal.SIGTERM)
        for service in (proc, *workers):
            try:
                service.wait(30)
            except subprocess.TimeoutExpired:
                service.kill()
        jwks.shutdown()
        asyncio.run(drop_database(database))
        delete_namespace(namespace, AMQP)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
