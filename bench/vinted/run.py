"""Relay benchmark: N simulated plugins on one relay-service process, jobs at a fixed rate, then flat out.

Prints one table: offered and achieved jobs/s, delivery latency (dispatch published to the broker → the
plugin holds ``job.deliver``) p50/p99, round trip (dispatch → ``vinted.job.completed`` back on the broker)
p50/p99, and the relay's memory per connection. The plugins are python-socketio clients in this process,
acking and answering every job at once (the relay's own work, not Vinted's, is measured). Needs the local
RabbitMQ. Run from the repository root: ``uv run python bench/vinted/run.py [--plugins 1000 --rate 200]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import socketio
from vitrine_contracts import RawEnvelope, new_envelope
from vitrine_contracts.relay.v1 import NAMESPACE, Hello, JobKind, JobResult
from vitrine_contracts.vinted import VintedJobDispatch
from vitrine_kit.testing.tokens import TestKeys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, percentile, table

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_jwks(keys: TestKeys) -> tuple[ThreadingHTTPServer, str]:
    body = json.dumps(keys.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children (uv run → python)."""
    total = 0
    for p in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return kids + [g for k in kids for g in _children(k)]
    return []


class Plugins:
    """N plugin sockets; records when each job.deliver arrives."""

    def __init__(self, url: str, keys: TestKeys, tenant: uuid.UUID, n: int) -> None:
        self.url, self.keys, self.tenant, self.n = url, keys, tenant, n
        self.devices = [uuid.uuid4() for _ in range(n)]
        self.clients: list[socketio.AsyncClient] = []
        self.delivered: dict[uuid.UUID, float] = {}

    async def connect_all(self, batch: int = 50) -> float:
        started = time.perf_counter()
        for i in range(0, self.n, batch):
            await asyncio.gather(*(self._connect(d) for d in self.devices[i : i + batch]))
        return time.perf_counter() - started

    async def _connect(self, device: uuid.UUID) -> None:
        client = socketio.AsyncClient(reconnection=False)
        token = self.keys.issue(tenant_id=self.tenant, scope="plugin", sub=str(device), roles=())

        async def on_job(data: dict[str, Any]) -> dict[str, Any]:
            job_id = uuid.UUID(data["job_id"])
            self.delivered[job_id] = time.perf_counter()
            result = JobResult(job_id=job_id, outcome="succeeded", finished_at=datetime.now(UTC))
            asyncio.get_running_loop().create_task(
                client.emit("job.result", result.model_dump(mode="json"), namespace=NAMESPACE)
            )
            return {"job_id": data["job_id"], "accepted": True}

        client.on("job.deliver", on_job, namespace=NAMESPACE)
        await client.connect(
            self.url, namespaces=[NAMESPACE], auth={"token": token}, transports=["websocket"], wait_timeout=30
        )
        hello = Hello(plugin_version="bench", capabilities=["delist"])
        await client.call("plugin.hello", hello.model_dump(mode="json"), namespace=NAMESPACE, timeout=30)
        self.clients.append(client)

    async def close(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)


async def bench(args: argparse.Namespace) -> None:
    keys, namespace = TestKeys(), f"bench.{uuid.uuid4().hex[:6]}."
    jwks_server, jwks_url = serve_jwks(keys)
    port, instance = free_port(), "bench-relay"
    env = os.environ | {
        "RELAY_PORT": str(port),
        "RELAY_AMQP_URL": AMQP,
        "RELAY_BROKER_NAMESPACE": namespace,
        "RELAY_INSTANCE_ID": instance,
        "RELAY_JWKS_URL": jwks_url,
        "RELAY_AUTH_URL": "",
        "RELAY_LOG_LEVEL": "WARNING",
        "RELAY_MAX_IN_FLIGHT": "2",
        "RELAY_HEARTBEAT_INTERVAL_S": "60",
    }
    log = (ROOT / ".run" / "bench-relay.log").open("wb") if (ROOT / ".run").is_dir() else subprocess.DEVNULL
    relay = subprocess.Popen(
        [sys.executable, "-m", "relay_service.cli", "serve"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    connection = await aio_pika.connect_robust(AMQP)
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        idle_kib = rss_kib(relay.pid)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            namespace + "vitrine.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        completed: dict[uuid.UUID, float] = {}
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "vinted.job.completed")

        async def on_completed(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            completed[uuid.UUID(RawEnvelope.model_validate_json(message.body).payload["job_id"])] = (
                time.perf_counter()
            )

        await queue.consume(on_completed, no_ack=True)
        tenant = uuid.uuid4()
        plugins = Plugins(url, keys, tenant, args.plugins)
        connect_s = await plugins.connect_all()
        await asyncio.sleep(1.0)
        connected_kib = rss_kib(relay.pid)
        rows = []
        for label, rate in (("paced", args.rate), ("flat out", args.max_rate)):
            sent: dict[uuid.UUID, float] = {}
            n = int(rate * args.seconds)
            started = time.perf_counter()
            for i in range(n):
                # Open loop: each job leaves at its slot, whatever the relay is doing.
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                job = VintedJobDispatch(
                    job_id=uuid.uuid4(),
                    tenant_id=tenant,
                    device_id=plugins.devices[i % len(plugins.devices)],
                    relay_instance=instance,
                    kind=JobKind.DELIST,
                    attempt=1,
                    params={"item_id": i},
                )
                envelope = new_envelope(job, producer="bench", tenant_id=tenant)
                sent[job.job_id] = time.perf_counter()
                await exchange.publish(
                    aio_pika.Message(envelope.model_dump_json().encode()), job.routing_key()
                )
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline and not all(j in completed for j in sent):
                await asyncio.sleep(0.05)
            done = [j for j in sent if j in completed]
            elapsed = max(completed[j] for j in done) - started if done else float("nan")
            deliver = [(plugins.delivered[j] - sent[j]) * 1000 for j in done if j in plugins.delivered]
            trip = [(completed[j] - sent[j]) * 1000 for j in done]
            rows.append(
                [
                    label,
                    f"{rate:.0f}",
                    f"{len(done) / elapsed:.0f}",
                    f"{len(done)}/{n}",
                    f"{percentile(deliver, 50):.1f}",
                    f"{percentile(deliver, 99):.1f}",
                    f"{percentile(trip, 50):.1f}",
                    f"{percentile(trip, 99):.1f}",
                ]
            )
        await plugins.close()
        print(
            f"\n{args.plugins} plugins connected in {connect_s:.1f} s; relay RSS {idle_kib / 1024:.0f} MiB idle, "
            f"{connected_kib / 1024:.0f} MiB connected → {(connected_kib - idle_kib) / args.plugins:.1f} KiB "
            "per connection"
        )
        print(
            table(
                [
                    "phase",
                    "offered jobs/s",
                    "done jobs/s",
                    "done",
                    "deliver p50 ms",
                    "deliver p99 ms",
                    "round trip p50 ms",
                    "round trip p99 ms",
                ],
                rows,
            )
        )
    finally:
        await connection.close()
        relay.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            relay.wait(timeout=20)
        jwks_server.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plugins", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="jobs/s of the paced phase")
    parser.add_argument("--max-rate", type=float, default=1000.0, help="jobs/s offered in the flat-out phase")
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(bench(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
