"""Relay benchmark: N simulated plugins on one relay-service process, jobs at a fixed rate, then flat out.

Prints one table: offered and achieved jobs/s, delivery latency (dispatch published to the broker → the
plugin holds ``job.deliver``) p50/p99/max, round trip (dispatch → ``vinted.job.completed`` back on the
broker) p50/p99, the CPU each process used per phase, and the relay's garbage collections (pauses measured by
``relay_probe.py``); before it, the relay's memory per connection. The plugins are lean Engine.IO/Socket.IO
websocket clients (aiohttp) in ``--client-procs`` processes of their own, acking and answering every job at
once (the relay's own work, not Vinted's, is measured). Needs the local RabbitMQ. Run from the repository
root: ``uv run python bench/vinted/run.py [--plugins 1000 --rate 200]``. See ``README.md`` beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import httpx
import uvloop
from vitrine_contracts import RawEnvelope, new_envelope
from vitrine_contracts.relay.v1 import NAMESPACE, Hello, JobKind, JobResult
from vitrine_contracts.vinted import VintedJobDispatch
from vitrine_kit.testing.tokens import TestKeys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, percentile, serve_jwks, table
from vitrine_kit.testing.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
LOAD = os.getloadavg()


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


def cpu_s(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rabbitmq_pid() -> int | None:
    """The local RabbitMQ's Erlang VM, if it runs on this machine (its CPU is part of every job)."""
    for d in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if d.name.isdigit() and (d / "comm").read_text().strip() == "beam.smp":
                return int(d.name)
    return None


def cpu_of(pid: int | None) -> float:
    return cpu_s(pid) if pid is not None else float("nan")


# --- the simulated plugins ------------------------------------------------------------------------------
# A lean Engine.IO 4 / Socket.IO 5 client over aiohttp websockets: the frames a plugin sends and answers,
# nothing else (no reconnection, no polling, no per-client background tasks but the reader). Each worker
# process holds many sockets; the workers are separate processes from the benchmark's publisher and from
# the relay, so a client's work never sits in the relay's event loop or in the publisher's.

EVENT, ACK = f"42{NAMESPACE},", f"43{NAMESPACE},"


def _split(body: str) -> tuple[int | None, Any]:
    """``<ack id>[...]`` → (ack id, decoded list)."""
    i = 0
    while body[i].isdigit():
        i += 1
    return (int(body[:i]) if i else None), json.loads(body[i:])


async def _plugin(
    session: aiohttp.ClientSession, url: str, token: str, delivered: dict[str, float], ready: asyncio.Event
) -> None:
    ws = await session.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket", autoping=False)
    opened = await ws.receive_str()
    assert opened.startswith("0"), opened
    await ws.send_str(f"40{NAMESPACE}," + json.dumps({"token": token}))
    connected = await ws.receive_str()
    assert connected.startswith(f"40{NAMESPACE},"), connected
    hello = Hello(plugin_version="bench", capabilities=["delist"]).model_dump(mode="json")
    await ws.send_str(EVENT + "1" + json.dumps(["plugin.hello", hello]))
    template = JobResult(job_id=uuid.uuid4(), outcome="succeeded", finished_at=datetime.now(UTC))
    result = template.model_dump(mode="json")
    next_id = 2
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            break
        data: str = msg.data
        if data == "2":  # Engine.IO ping from the server
            await ws.send_str("3")
        elif data.startswith(EVENT):
            ack_id, (event, payload) = _split(data[len(EVENT) :])
            if event == "job.deliver":
                delivered[payload["job_id"]] = time.perf_counter()
                await ws.send_str(
                    f"{ACK}{ack_id}" + json.dumps([{"job_id": payload["job_id"], "accepted": True}])
                )
                result["job_id"] = payload["job_id"]
                await ws.send_str(f"{EVENT}{next_id}" + json.dumps(["job.result", result]))
                next_id += 1
        elif data.startswith(ACK) and not ready.is_set():
            ready.set()  # the Welcome (ack of plugin.hello)


def plugin_worker(url: str, tokens: list[str], conn: Any) -> None:
    """One client process: connect every token's socket, report ready, answer jobs until told to stop."""

    async def run() -> None:
        delivered: dict[str, float] = {}
        # limit=0: aiohttp's default pool of 100 connections would park every websocket past the 100th.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            tasks, readies = [], []
            for i in range(0, len(tokens), 50):
                batch = [asyncio.Event() for _ in tokens[i : i + 50]]
                tasks += [
                    asyncio.create_task(_plugin(session, url, t, delivered, r))
                    for t, r in zip(tokens[i : i + 50], batch, strict=True)
                ]
                await asyncio.wait_for(asyncio.gather(*(r.wait() for r in batch)), 60)
                readies += batch
            conn.send("ready")
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
            conn.send(delivered)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    uvloop.run(run())


class Plugins:
    """N plugin sockets spread over ``procs`` client processes."""

    def __init__(self, url: str, keys: TestKeys, tenant: uuid.UUID, n: int, procs: int) -> None:
        self.devices = [uuid.uuid4() for _ in range(n)]
        tokens = [keys.issue(tenant_id=tenant, scope="plugin", sub=str(d), roles=()) for d in self.devices]
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for k in range(procs):
            here, there = ctx.Pipe()
            proc = ctx.Process(target=plugin_worker, args=(url, tokens[k::procs], there), daemon=True)
            self.pipes.append(here)
            self.procs.append(proc)

    def connect_all(self) -> float:
        started = time.perf_counter()
        for proc in self.procs:
            proc.start()
        for pipe in self.pipes:
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError("a plugin worker did not connect its sockets")
        return time.perf_counter() - started

    def cpu_s(self) -> float:
        return sum(cpu_s(p.pid) for p in self.procs if p.pid is not None)

    def stop(self) -> dict[uuid.UUID, float]:
        """Every job's delivery time, from all workers."""
        delivered: dict[uuid.UUID, float] = {}
        for pipe in self.pipes:
            pipe.send("stop")
        for pipe in self.pipes:
            delivered.update({uuid.UUID(k): v for k, v in pipe.recv().items()})
        for proc in self.procs:
            proc.join(10)
        return delivered


async def bench(args: argparse.Namespace) -> None:
    keys, namespace = TestKeys(), f"bench.{uuid.uuid4().hex[:6]}."
    jwks_server, jwks_url = serve_jwks(keys)
    port, instance = free_port(), "bench-relay"
    gc_log = Path(tempfile.mkdtemp(prefix="vitrine-bench-")) / "gc.jsonl"
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
        "BENCH_GC_LOG": str(gc_log),
    }
    log = (ROOT / ".run" / "bench-relay.log").open("wb") if (ROOT / ".run").is_dir() else subprocess.DEVNULL
    relay = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("relay_probe.py"))],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    connection = await aio_pika.connect_robust(AMQP)
    windows: list[tuple[str, float, float]] = []
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
        tenant, rabbit = uuid.uuid4(), rabbitmq_pid()
        plugins = Plugins(url, keys, tenant, args.plugins, args.client_procs)
        connect_s = await asyncio.to_thread(plugins.connect_all)
        await asyncio.sleep(1.0)
        connected_kib = rss_kib(relay.pid)
        phases = []
        for label, rate in (("paced", args.rate), ("flat out", args.max_rate)):
            sent: dict[uuid.UUID, float] = {}
            n = int(rate * args.seconds)
            cpu_relay, cpu_clients, cpu_self = cpu_s(relay.pid), plugins.cpu_s(), time.process_time()
            cpu_rabbit = cpu_of(rabbit)
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
            finished = max(completed[j] for j in done) if done else time.perf_counter()
            wall = time.perf_counter() - started
            cpu = (
                (cpu_s(relay.pid) - cpu_relay) / wall * 100,
                (plugins.cpu_s() - cpu_clients) / wall * 100,
                (time.process_time() - cpu_self) / wall * 100,
                (cpu_of(rabbit) - cpu_rabbit) / wall * 100,
            )
            windows.append((label, started, finished))
            phases.append((label, rate, n, sent, done, started, finished, cpu))
        delivered = plugins.stop()
    finally:
        await connection.close()
        relay.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            relay.wait(timeout=30)
        jwks_server.shutdown()
    pauses = [json.loads(line) for line in gc_log.read_text().splitlines()] if gc_log.exists() else []
    rows = []
    for label, rate, n, sent, done, started, finished, cpu in phases:
        deliver = [(delivered[j] - sent[j]) * 1000 for j in done if j in delivered]
        trip = [(completed[j] - sent[j]) * 1000 for j in done]
        gcs = [p for p in pauses if started <= p[0] <= finished]
        rows.append(
            [
                label,
                f"{rate:.0f}",
                f"{len(done) / (finished - started):.0f}" if done else "0",
                f"{len(done)}/{n}",
                f"{percentile(deliver, 50):.1f}",
                f"{percentile(deliver, 99):.1f}",
                f"{max(deliver, default=float('nan')):.0f}",
                f"{percentile(trip, 50):.1f}",
                f"{percentile(trip, 99):.1f}",
                " / ".join(f"{c:.0f}" for c in cpu),
                f"{len(gcs)} ({sum(1 for p in gcs if p[2] == 2)}) / {max((p[1] for p in gcs), default=0) * 1000:.1f}",
            ]
        )
    print(
        f"\n{args.plugins} plugins ({args.client_procs} client processes) connected in {connect_s:.1f} s; "
        f"relay RSS {idle_kib / 1024:.0f} MiB idle, {connected_kib / 1024:.0f} MiB connected → "
        f"{(connected_kib - idle_kib) / args.plugins:.1f} KiB per connection; load average before the run "
        f"{LOAD[0]:.2f} on {os.cpu_count()} cores"
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
                "deliver max ms",
                "round trip p50 ms",
                "round trip p99 ms",
                "CPU % relay / clients / bench / rabbitmq",
                "relay GCs (gen 2) / longest ms",
            ],
            rows,
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plugins", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="jobs/s of the paced phase")
    parser.add_argument("--max-rate", type=float, default=1000.0, help="jobs/s offered in the flat-out phase")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--client-procs", type=int, default=2, help="processes holding the plugin sockets")
    asyncio.run(bench(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
