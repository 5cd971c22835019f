"""AI benchmark: concurrent analyses on one ai-service process against slow providers, cache hits, tokens.

ai-service runs as deployed (``ai-service serve``, API and analysis worker in one process) on a scratch
database and broker namespace; the AI stand-in (``sandbox-ai``) runs in a process of its own, told to answer
every provider call after ``--latency-ms``; media-service, billing-service and auth-service's token endpoint
are the small fakes of ai-service's tests (``ai-service/tests/conftest.py``), served from this process.
Needs the local PostgreSQL and RabbitMQ. From the repository root: ``uv run python bench/ai/run.py``.
See ``README.md`` beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
from vitrine_kit.testing.helpers import free_port
from vitrine_kit.testing.infra import delete_namespace
from vitrine_kit.testing.tokens import TestKeys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import AMQP, PG, ROOT, cpu_s, db_name, percentile, serve_jwks, start_service, stop_process, table


def load(name: str, path: Path) -> ModuleType:
    """A module from a file that is not on the import path (the tests' fakes, the token script)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fakes = load("ai_service_test_fakes", ROOT / "ai-service" / "tests" / "conftest.py")
measure_tokens = load("ai_service_measure_tokens", ROOT / "ai-service" / "scripts" / "measure_tokens.py")

FULL_SIZE = {  # every photo sent as uploaded (12 MP), for the token comparison
    "AI_PHOTO_RENDITION": "original.jpg",
    "AI_LABEL_RENDITION": "original.jpg",
    "AI_THUMB_RENDITION": "original.jpg",
    "AI_PHOTO_MAX_SIDE": "4000",
    "AI_LABEL_MAX_SIDE": "4000",
    "AI_THUMB_MAX_SIDE": "4000",
}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.keys = TestKeys()
        self.edge = fakes.Edge(keys=self.keys)
        self.edge.delay_s = args.edge_delay_ms / 1000
        self.db = db_name("ai")
        self.namespace = f"bench-ai-{uuid.uuid4().hex[:8]}"
        self.sandbox_port = free_port()
        self.sandbox = f"http://127.0.0.1:{self.sandbox_port}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tenants = [uuid.uuid4() for _ in range(args.tenants)]
        self.tokens = {t: self.keys.issue(tenant_id=t, ttl_s=3600) for t in self.tenants}
        self.http = httpx.AsyncClient(
            base_url=self.base, timeout=120, limits=httpx.Limits(max_connections=400)
        )
        self.migrated = False
        self.photo_no = 0

    # --- processes --------------------------------------------------------------------------------------

    def env(self, jwks_url: str, concurrency: int, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {
            "AI_PORT": str(self.port),
            "AI_DATABASE_URL": PG.rsplit("/", 1)[0] + f"/{self.db}",
            "AI_AMQP_URL": AMQP,
            "AI_BROKER_NAMESPACE": self.namespace,
            "AI_JWKS_URL": jwks_url,
            "AI_LOG_LEVEL": os.environ.get("BENCH_SERVICE_LOG_LEVEL", "WARNING"),
            "AI_GEMINI_BASE_URL": self.sandbox,
            "AI_OPENAI_BASE_URL": f"{self.sandbox}/v1",
            "AI_MEDIA_URL": self.edge.url,
            "AI_BILLING_URL": self.edge.url,
            "AI_AUTH_TOKEN_URL": f"{self.edge.url}/oauth/token",
            "AI_WORKER_CONCURRENCY": str(concurrency),
            "AI_DB_POOL_SIZE": str(self.args.db_pool),
            "AI_DB_MAX_OVERFLOW": str(self.args.db_overflow),
            **(extra or {}),
        }

    def start(self, jwks_url: str, concurrency: int, extra: dict[str, str] | None = None) -> Any:
        setup = () if self.migrated else ("create-db", "migrate")
        self.migrated = True
        return start_service(
            "ai_service.cli",
            self.env(jwks_url, concurrency, extra),
            f"{self.base}/readyz",
            f"bench-ai-{self.port}",
            setup=setup,
        )

    async def latency(self, ms: int) -> None:
        async with httpx.AsyncClient(base_url=self.sandbox) as control:
            (await control.post("/sandbox/latency", json={"ms": ms})).raise_for_status()

    # --- analyses ---------------------------------------------------------------------------------------

    def photos(self, tenant: uuid.UUID, count: int, size: tuple[int, int] = (1800, 1350)) -> list[str]:
        """``count`` photos never seen before (so no analysis is answered from the cache)."""
        out = []
        for _ in range(count):
            self.photo_no += 1
            colour = fakes.COLOURS[self.photo_no % len(fakes.COLOURS)]
            out.append(str(self.edge.upload(tenant, fakes.photo(colour, size, mark=self.photo_no))))
        return out

    def headers(self, tenant: uuid.UUID) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[tenant]}"}

    async def ask(self, tenant: uuid.UUID, body: dict[str, Any], expect: int = 202) -> dict[str, Any]:
        response = await self.http.post("/analyses", json=body, headers=self.headers(tenant))
        if response.status_code != expect:
            raise RuntimeError(f"POST /analyses answered {response.status_code}: {response.text[:300]}")
        answer: dict[str, Any] = response.json()
        return answer

    async def finished(
        self, asked: dict[uuid.UUID, list[str]], timeout_s: float
    ) -> dict[str, dict[str, Any]]:
        """Each analysis once completed or failed, by id (the time it finished is the service's
        ``finished_at``, so the polling interval does not count)."""
        await self.wait(asked, timeout_s)
        return await self.read(asked)

    async def wait(self, asked: dict[uuid.UUID, list[str]], timeout_s: float) -> None:
        """Until no analysis of ``asked`` is queued or running: polled once a second, for the tenants'
        unfinished analyses only (small answers, without results)."""
        deadline = time.monotonic() + timeout_s
        pending = dict(asked)
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"analyses of {len(pending)} tenants did not finish in {timeout_s:.0f} s")
            await asyncio.sleep(1.0)
            for tenant, ids in list(pending.items()):
                unfinished: set[str] = set()
                for status in ("queued", "running"):
                    page = await self.http.get(
                        "/analyses", params={"status": status, "limit": 100}, headers=self.headers(tenant)
                    )
                    unfinished |= {item["id"] for item in page.json()["items"]}
                if not unfinished & set(ids):
                    del pending[tenant]

    async def read(self, asked: dict[uuid.UUID, list[str]]) -> dict[str, dict[str, Any]]:
        done: dict[str, dict[str, Any]] = {}
        for tenant, ids in asked.items():
            for analysis_id in ids:
                read = await self.http.get(f"/analyses/{analysis_id}", headers=self.headers(tenant))
                done[analysis_id] = read.json()
        return done

    async def batch(
        self, count: int, photos: int, pid: int | None = None
    ) -> tuple[float, list[float], dict[str, dict[str, Any]], list[tuple[uuid.UUID, dict[str, Any]]], float]:
        """``count`` analyses asked at once (spread over the tenants); wall time to the last one finished."""
        bodies = [
            (
                self.tenants[i % len(self.tenants)],
                {"image_ids": self.photos(self.tenants[i % len(self.tenants)], photos)},
            )
            for i in range(count)
        ]
        cpu_before = cpu_s(pid)
        started = time.time()
        answers = await asyncio.gather(*(self.ask(t, b) for t, b in bodies))
        asked: dict[uuid.UUID, list[str]] = {}
        for (tenant, _), answer in zip(bodies, answers, strict=True):
            asked.setdefault(tenant, []).append(answer["id"])
        await self.wait(asked, timeout_s=max(120.0, count * 10.0))
        cpu = cpu_s(pid) - cpu_before  # asking, running, settling and the light polling; not the reads
        done = await self.read(asked)
        ends = [datetime.fromisoformat(d["finished_at"]).timestamp() for d in done.values()]
        per = [e - started for e in ends]
        return max(ends) - started, per, done, bodies, cpu


def asked_of(
    done: dict[str, dict[str, Any]], bodies: list[tuple[uuid.UUID, dict[str, Any]]]
) -> list[tuple[uuid.UUID, list[str]]]:
    """The finished analyses' ids by tenant (a tenant's analyses carry its photos)."""
    by_photos = {tuple(body["image_ids"]): tenant for tenant, body in bodies}
    out: dict[uuid.UUID, list[str]] = {}
    for analysis_id, analysis in done.items():
        out.setdefault(by_photos[tuple(analysis["image_ids"])], []).append(analysis_id)
    return list(out.items())


def usage_of(analyses: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Mean input and output tokens per analysis, by step and in total."""
    steps: dict[str, list[tuple[int, int]]] = {}
    for analysis in analyses:
        total = [0, 0]
        for u in analysis["usage"]:
            step = "detail or full" if u["step"] in ("detail", "full") else u["step"]
            steps.setdefault(step, []).append((u["input_tokens"], u["output_tokens"]))
            total[0] += u["input_tokens"]
            total[1] += u["output_tokens"]
        steps.setdefault("total", []).append((total[0], total[1]))
    return {
        step: (sum(i for i, _ in v) / len(analyses), sum(o for _, o in v) / len(analyses))
        for step, v in steps.items()
    }


async def run(args: argparse.Namespace, bench: Bench) -> None:
    jwks_server, jwks_url = serve_jwks(bench.keys)
    sandbox = start_service(
        "sandbox_ai.main",
        {"SANDBOX_AI_LOG_LEVEL": "warning"},
        f"{bench.sandbox}/healthz",
        f"bench-ai-sandbox-{bench.sandbox_port}",
        serve=("--port", str(bench.sandbox_port)),
    )
    rows: list[list[object]] = []
    cache_rows: list[list[object]] = []
    token_rows: list[list[object]] = []
    chosen_usage: dict[str, tuple[float, float]] = {}
    try:
        async with fakes.serve(fakes.build_app(bench.edge)) as edge_url:
            bench.edge.url = edge_url
            for tenant in bench.tenants:
                bench.edge.accounts[tenant] = fakes.Account(monthly=100_000)
            for concurrency, latency_ms in args.runs:
                proc = bench.start(jwks_url, concurrency)
                try:
                    await bench.latency(0)
                    # Warm-up: each tenant's schema provisioned, connections and clients opened.
                    await bench.batch(len(bench.tenants), args.photos)
                    await bench.latency(latency_ms)
                    one, *_ = await bench.batch(1, args.photos)
                    sandbox_before = cpu_s(sandbox.pid)
                    wall, per, done, bodies, service_cpu = await bench.batch(
                        args.analyses, args.photos, proc.pid
                    )
                    sandbox_cpu = cpu_s(sandbox.pid) - sandbox_before
                    failed = sum(1 for d in done.values() if d["status"] != "completed")
                    calls = sum(u["calls"] for d in done.values() for u in d["usage"])
                    rows.append(
                        [
                            concurrency,
                            latency_ms,
                            args.analyses,
                            f"{calls / len(done):.1f}",
                            f"{one:.2f}",
                            f"{wall:.2f}",
                            f"{percentile(per, 50):.2f}",
                            f"{percentile(per, 99):.2f}",
                            f"{wall / one:.2f}",
                            failed,
                            f"{service_cpu:.1f} / {sandbox_cpu:.1f}",
                            f"{service_cpu / args.analyses * 1000:.0f}",
                        ]
                    )
                    chosen_usage = usage_of([d for d in done.values() if d["status"] == "completed"])
                    # Cache hits: the same requests again, one at a time.
                    await bench.latency(0)
                    hits: list[float] = []
                    for _ in range(args.cache_rounds):
                        for tenant, body in bodies:
                            t0 = time.perf_counter()
                            answer = await bench.ask(tenant, body, expect=200)
                            hits.append((time.perf_counter() - t0) * 1000)
                            if not answer["cached"]:
                                raise RuntimeError("a repeated request was not answered from the cache")
                    # The floor: a read of one analysis (token check, one query), at the same moment.
                    reads: list[float] = []
                    for tenant, analysis_id in [(t, a) for t, ids in asked_of(done, bodies) for a in ids]:
                        t0 = time.perf_counter()
                        read = await bench.http.get(f"/analyses/{analysis_id}", headers=bench.headers(tenant))
                        read.raise_for_status()
                        reads.append((time.perf_counter() - t0) * 1000)
                    cache_rows.append(
                        [
                            f"{concurrency} / {latency_ms}",
                            f"{percentile(reads, 50):.1f} / {percentile(reads, 99):.1f}",
                            len(hits),
                            f"{percentile(hits, 50):.1f}",
                            f"{percentile(hits, 99):.1f}",
                            f"{max(hits):.1f}",
                        ]
                    )
                finally:
                    stop_process(proc)
            # Tokens: the same analysis with every photo sent as uploaded (12 MP).
            proc = bench.start(jwks_url, 4, FULL_SIZE)
            try:
                await bench.latency(0)
                tenant = bench.tenants[0]
                full = []
                for _ in range(args.full_size_analyses):
                    body = {"image_ids": bench.photos(tenant, args.photos, (4000, 3000))}
                    answer = await bench.ask(tenant, body)
                    done = await bench.finished({tenant: [answer["id"]]}, timeout_s=300)
                    full += list(done.values())
                full_usage = usage_of(full)
            finally:
                stop_process(proc)
            for step in sorted(set(chosen_usage) | set(full_usage), key=lambda s: (s == "total", s)):
                c, f = chosen_usage.get(step, (0, 0)), full_usage.get(step, (0, 0))
                token_rows.append([step, f"{c[0]:.0f}", f"{c[1]:.0f}", f"{f[0]:.0f}", f"{f[1]:.0f}",
                                   f"{f[0] / c[0]:.1f}" if c[0] else "-"])  # fmt: skip
            print(
                "\nInput tokens of one photo by size (ai-service/scripts/measure_tokens.py, the same stand-in):"
            )
            await measure_tokens.measure(
                argparse.Namespace(
                    base_url=bench.sandbox, gemini_key="sandbox-gemini-key", gemini_model="gemini-2.5-flash",
                    openai_base_url=None, openai_key="sandbox-openai-key", openai_model="gpt-4o-mini",
                )
            )  # fmt: skip
    finally:
        await bench.http.aclose()
        stop_process(sandbox)
        jwks_server.shutdown()
        with contextlib.suppress(Exception):
            conn = await asyncpg.connect(PG.replace("+asyncpg", ""))
            await conn.execute(f'DROP DATABASE IF EXISTS "{bench.db}" WITH (FORCE)')
            await conn.close()

    load_avg = os.getloadavg()
    print(
        f"\n{args.analyses} analyses of {args.photos} photos (no label marked), stand-in latency "
        f"per provider call as in each row, {len(bench.tenants)} tenants; one ai-service process "
        f"(API + worker); load average after the run {load_avg[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        table(
            [
                "worker concurrency",
                "stand-in latency ms",
                "analyses",
                "provider calls each",
                "one alone s",
                "all at once s",
                "p50 s",
                "p99 s",
                "wall / one alone",
                "failed",
                "CPU s service / stand-in",
                "service CPU ms per analysis",
            ],
            rows,
        )
    )
    print("\nCache hits: the same requests again, one at a time (POST /analyses → 200 from the cache)")
    print(
        table(
            [
                "worker concurrency",
                "GET /analyses/{id} p50 / p99 ms",
                "cache hits",
                "p50 ms",
                "p99 ms",
                "max ms",
            ],
            cache_rows,
        )
    )
    print(
        f"\nTokens per analysis (mean, as the stand-in counted them): sent as configured (768 px photos, label "
        f"1536 px, 384 px thumbnails) beside every photo sent as uploaded (4000x3000); "
        f"{args.full_size_analyses} full-size analyses"
    )
    print(table(["step", "input", "output", "input, full size", "output, full size", "ratio"], token_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=100)
    parser.add_argument("--photos", type=int, default=5, help="photos per analysis (the free plan's cap)")
    parser.add_argument(
        "--runs",
        type=lambda v: [tuple(int(x) for x in run.split(":")) for run in v.split(",")],
        default=[(100, 2000), (100, 0), (4, 2000)],
        help="AI_WORKER_CONCURRENCY:stand-in latency ms of each run (one service start each); "
        "default 100:2000,100:0,4:2000",
    )
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--db-pool", type=int, default=10, help="AI_DB_POOL_SIZE")
    parser.add_argument("--db-overflow", type=int, default=10, help="AI_DB_MAX_OVERFLOW")
    parser.add_argument(
        "--edge-delay-ms", type=int, default=0, help="how long the media resolve and the reservation take"
    )
    parser.add_argument("--cache-rounds", type=int, default=2, help="times each request is repeated")
    parser.add_argument("--full-size-analyses", type=int, default=2)
    args = parser.parse_args()
    bench = Bench(args)
    try:
        asyncio.run(run(args, bench))
    finally:
        delete_namespace(bench.namespace, AMQP)


if __name__ == "__main__":
    main()
