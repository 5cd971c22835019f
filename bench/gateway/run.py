"""Gateway benchmark: one authenticated endpoint called directly, through the gateway, and through nginx.

The endpoint is auth-service's ``GET /me`` (bearer token verified, the user and their tenants read from
PostgreSQL), on a scratch database made and migrated for the run and dropped at the end; ``--endpoint
stub`` uses a minimal FastAPI app instead (``upstream.py``: token verification only, no database).

Prints one table: requests per second and p50/p99 latency at a fixed moderate rate (wrk with each
connection paced by a Lua ``delay()``, see paced.lua) and at saturation (wrk, closed loop), with
the gateway's figures as ratios of nginx's. Needs ``wrk`` and ``nginx`` (Debian packages), the Redis
on 127.0.0.1:6379, and (for auth-service) the PostgreSQL and RabbitMQ of this machine. Run from the
repository root: ``uv run python bench/gateway/run.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PG_SERVER = os.environ.get("VITRINE_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("VITRINE_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
RESERVED_PORTS = range(8000, 8125)  # the local fleet and the e2e fleet

NGINX_CONF = """
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream bench {{
        server 127.0.0.1:{upstream_port};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location {prefix}/ {{
            proxy_pass http://bench/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $proxy_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def free_port() -> int:
    """A free port outside 8000-8124."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in RESERVED_PORTS:
            return port


def wait_http(url: str, timeout_s: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Block until ``url`` answers 200 (fail at once if ``proc`` exits)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def get_status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@contextlib.contextmanager
def process(
    cmd: list[str], env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` in its own session; on exit SIGTERM its process group (uvicorn workers included)."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if log:
            out.close()  # type: ignore[union-attr]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0


def _proc_cpu_ticks(match: Callable[[Path, list[str]], bool]) -> int:
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if match(entry, fields):
                ticks += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks


def session_cpu_s(session_id: int) -> float:
    """User+system CPU seconds of every live process in a session (uvicorn workers, nginx workers)."""
    # field 6 of stat: the session id
    return _proc_cpu_ticks(lambda _, fields: int(fields[3]) == session_id) / os.sysconf("SC_CLK_TCK")


class PostgresCpu:
    """CPU seconds of the PostgreSQL backends connected to one database, sampled every 50 ms in a thread.

    Backends come and go (the service's pool closes its overflow connections), so a before/after reading
    of the live ones would lose the CPU of those that exited: each backend counts from its first sample
    (from zero if it started during the window) to its last.
    """

    def __init__(self, database: str) -> None:
        self.needle = f" {database} ".encode()
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> dict[int, int]:
        seen: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.needle not in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seen[int(entry.name)] = int(fields[11]) + int(fields[12])
        return seen

    def _loop(self) -> None:
        while not self.stop.wait(0.05):
            for pid, ticks in self._sample().items():
                self.first.setdefault(pid, 0)
                self.last[pid] = ticks

    def __enter__(self) -> PostgresCpu:
        self.first = dict(self._sample())
        self.last = dict(self.first)
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        for pid, ticks in self._sample().items():
            self.first.setdefault(pid, 0)
            self.last[pid] = ticks

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last) / os.sysconf("SC_CLK_TCK")

    @property
    def backends_started(self) -> int:
        return sum(1 for ticks in self.first.values() if ticks == 0)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, token: str, *, seconds: int, connections: int, threads: int) -> Result:
    """Closed-loop saturation with wrk."""
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _parse_wrk(out)


def _parse_wrk(out: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Result(rps, p50, p99, errors, requests)


def paced(url: str, token: str, *, rate: float, seconds: int, connections: int = 16) -> Result:
    """A fixed moderate rate: wrk with a Lua ``delay()`` pacing each connection (see paced.lua)."""
    interval_ms = max(2, round(connections * 1000 / rate))
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / "paced.lua"),
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BENCH_INTERVAL_MS": str(interval_ms)},
    ).stdout
    return _parse_wrk(out)


@dataclass
class Upstream:
    """The service under test: where it listens, its process, the token, and what to clean up."""

    name: str
    url: str
    prefix: str  # its prefix behind the proxies
    jwks_url: str
    proc: subprocess.Popen[bytes]
    token: str
    database: str | None = None
    notes: list[str] = field(default_factory=list)


def _drop_database(name: str) -> None:
    from vitrine_kit.testing.infra import drop_database

    asyncio.run(drop_database(PG_SERVER, name))


def _delete_namespace(namespace: str) -> None:
    """Delete the queues and the exchange auth-service declared in its broker namespace."""
    import aio_pika
    from vitrine_kit.testing.infra import delete_queues

    queue = f"{namespace}auth-service.tenants"  # the kit's tenant-provisioning consumer
    names = {queue, f"{queue}.dlq", *(f"{queue}.retry.{i}" for i in range(10))}

    async def run() -> None:
        await delete_queues(AMQP, names)
        connection = await aio_pika.connect(AMQP, timeout=5)
        async with connection:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(f"{namespace}vitrine.events")

    asyncio.run(run())


@contextlib.contextmanager
def auth_service(stack: contextlib.ExitStack, tmp: Path) -> Iterator[Upstream]:
    """auth-service on a scratch database (created, migrated, dropped), one user registered and logged in."""
    suffix = uuid.uuid4().hex[:8]
    database, namespace, port = f"bench_auth_{suffix}", f"bench.{suffix}.", free_port()
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": f"{PG_SERVER.rpartition('/')[0]}/{database}",
        "AUTH_AMQP_URL": AMQP,
        "AUTH_BROKER_NAMESPACE": namespace,
        "AUTH_PORT": str(port),
        "AUTH_HOST": "127.0.0.1",
        "AUTH_ARGON2_MEMORY_KIB": "8192",
        "AUTH_ARGON2_TIME_COST": "1",
        # Long enough for any run: an expired token mid-run would turn into 401s.
        "AUTH_ACCESS_TOKEN_TTL_S": "7200",
        # No access log line per request, like nginx (access_log off) and the gateway here.
        "AUTH_LOG_LEVEL": "WARNING",
    }
    cli = str(Path(sys.executable).with_name("auth-service"))
    url = f"http://127.0.0.1:{port}"
    try:
        for command in ("create-db", "migrate"):
            subprocess.run(
                [cli, command], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        proc = stack.enter_context(process([cli, "serve"], env, tmp / "auth-service.log"))
        wait_http(url + "/readyz", proc=proc)
        email, password = f"bench-{suffix}@example.com", f"bench-{uuid.uuid4().hex}"
        post_json(url + "/register", {"email": email, "password": password, "tenant_name": "Bench"})
        token = post_json(url + "/login", {"email": email, "password": password})["access_token"]
        yield Upstream(
            name="auth-service GET /me (token verified, user + memberships read from PostgreSQL)",
            url=url,
            prefix="/api/auth",
            jwks_url=url + "/.well-known/jwks.json",
            proc=proc,
            token=token,
            database=database,
        )
    finally:
        stack.close()  # stop auth-service (and whatever was started after it) before dropping its database
        for cleanup in (lambda: _drop_database(database), lambda: _delete_namespace(namespace)):
            try:
                cleanup()
            except Exception as exc:  # report it and go on cleaning
                print(f"cleanup failed: {exc!r}", file=sys.stderr)


@contextlib.contextmanager
def stub_upstream(stack: contextlib.ExitStack, tmp: Path) -> Iterator[Upstream]:
    """The minimal FastAPI app of upstream.py: the kit's TokenVerifier, no database."""
    from vitrine_kit.testing.tokens import TestKeys

    keys = TestKeys()
    (tmp / "jwks.json").write_text(json.dumps(keys.jwks()))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "upstream:create_app",
        "--app-dir",
        str(HERE),
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    try:
        env = {**os.environ, "BENCH_JWKS_FILE": str(tmp / "jwks.json")}
        proc = stack.enter_context(process(cmd, env, tmp / "upstream.log"))
        wait_http(url + "/healthz", proc=proc)
        yield Upstream(
            name="stub GET /me (FastAPI + kit TokenVerifier, no database; upstream.py)",
            url=url,
            prefix="/api/bench",
            jwks_url=url + "/.well-known/jwks.json",
            proc=proc,
            token=keys.issue(tenant_id=uuid.uuid4(), roles=("owner",)),
        )
    finally:
        stack.close()


def _on_sigterm(*_: object) -> None:
    raise SystemExit(143)  # so that every ``finally`` runs and nothing is left behind


def main() -> None:
    """Start the upstream and the two proxies, load each path, print the table; clean up in any case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", choices=("auth", "stub"), default="auth")
    parser.add_argument("--seconds", type=int, default=8, help="per saturation run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--rate", type=float, default=None, help="fixed moderate rate, req/s")
    parser.add_argument("--rate-seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--gateway-workers", type=int, default=1)
    parser.add_argument("--nginx-workers", type=int, default=1)
    parser.add_argument("--no-rate-limit", action="store_true", help="gateway without its Redis call")
    parser.add_argument(
        "--no-python-row",
        action="store_true",
        help="without the row 'python' (the gateway's sources, not compiled)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run floor.py: uvicorn + aiohttp passing requests through, none of the gateway's work",
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        default=None,
        help="also run the gateway of this git commit (its gateway/src, same venv) as the row 'before'",
    )
    args = parser.parse_args()
    if args.rate is None:  # well below what the upstream sustains alone here (~350 and ~2500 req/s)
        args.rate = 150.0 if args.endpoint == "auth" else 1000.0
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y {tool}")
    signal.signal(signal.SIGTERM, _on_sigterm)

    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    start = auth_service if args.endpoint == "auth" else stub_upstream
    try:
        with contextlib.ExitStack() as stack, start(stack, tmp) as upstream:
            runs = bench(stack, tmp, upstream, args)
        print_table(runs, upstream, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Run:
    fixed: Result
    sat: Result
    proxy_cpu_us: float | None  # per request of the saturation run
    upstream_cpu_us: float
    postgres_cpu_us: float | None
    postgres_backends_started: int | None  # new connections the service opened during the saturation run


def bench(
    stack: contextlib.ExitStack, tmp: Path, upstream: Upstream, args: argparse.Namespace
) -> dict[str, list[Run]]:
    """Start the gateway and nginx in front of ``upstream``; interleaved rounds of paced + saturation runs."""
    gw_port, nginx_port = free_port(), free_port()
    gw_env = {
        **os.environ,
        "GATEWAY_UPSTREAMS": json.dumps({"bench": {"prefix": upstream.prefix, "url": upstream.url}}),
        "GATEWAY_JWKS_URL": upstream.jwks_url,
        # Limits far above the load: every request still pays the Redis check, none is refused.
        "GATEWAY_RATE_LIMITS": json.dumps(
            [
                {"name": "ip", "key": "ip", "rate_per_s": 1e7, "burst": 10**9},
                {"name": "tenant", "key": "tenant", "rate_per_s": 1e7, "burst": 10**9},
            ]
        ),
        "GATEWAY_RATE_LIMIT_ENABLED": "false" if args.no_rate_limit else "true",
        "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"bench:{uuid.uuid4().hex}:",
        "GATEWAY_ACCESS_LOG": "false",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    nginx_dir = tmp / "nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (nginx_dir / sub).mkdir(parents=True, exist_ok=True)
    (nginx_dir / "nginx.conf").write_text(
        NGINX_CONF.format(
            workers=args.nginx_workers,
            tmp=nginx_dir,
            upstream_port=int(upstream.url.rsplit(":", 1)[1]),
            port=nginx_port,
            prefix=upstream.prefix,
        )
    )
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    gw_cmd = [sys.executable, "-m", "gateway.cli", "--host", "127.0.0.1", "--port", str(gw_port)]
    # The row "gateway" is the build the image runs: the request path compiled by gateway/compile.py (mypyc).
    compiled = _compiled_gateway()
    compiled_env = {
        **gw_env,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(compiled), gw_env.get("PYTHONPATH")])),
    }
    gateway = stack.enter_context(
        process([*gw_cmd, "--workers", str(args.gateway_workers)], compiled_env, tmp / "gateway.log")
    )
    python = None
    if not args.no_python_row:
        python_port = free_port()
        cmd = [*gw_cmd[:-1], str(python_port), "--workers", str(args.gateway_workers)]
        python = stack.enter_context(process(cmd, gw_env, tmp / "gateway-python.log"))
    before = None
    if args.baseline:
        before_port = free_port()
        src = _export_gateway(args.baseline, tmp / "baseline")
        before_env = {
            **gw_env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])),
        }
        cmd = [*gw_cmd[:-1], str(before_port), "--workers", str(args.gateway_workers)]
        before = stack.enter_context(process(cmd, before_env, tmp / "gateway-before.log"))
        wait_http(f"http://127.0.0.1:{before_port}/healthz", proc=before)
    nginx = stack.enter_context(
        process(
            [nginx_bin, "-c", str(nginx_dir / "nginx.conf"), "-p", str(nginx_dir), "-e", "stderr"],
            None,
            tmp / "nginx.log",
        )
    )
    wait_http(f"http://127.0.0.1:{gw_port}/healthz", proc=gateway)
    if python is not None:
        wait_http(f"http://127.0.0.1:{python_port}/healthz", proc=python)
    wait_http(f"http://127.0.0.1:{nginx_port}{upstream.prefix}/healthz", proc=nginx)
    targets: dict[str, tuple[str, int | None]] = {
        "direct": (upstream.url + "/me", None),
        "gateway": (f"http://127.0.0.1:{gw_port}{upstream.prefix}/me", gateway.pid),
        "nginx": (f"http://127.0.0.1:{nginx_port}{upstream.prefix}/me", nginx.pid),
    }
    if python is not None:
        targets["python"] = (f"http://127.0.0.1:{python_port}{upstream.prefix}/me", python.pid)
    if before is not None:
        targets["before"] = (f"http://127.0.0.1:{before_port}{upstream.prefix}/me", before.pid)
    if args.floor:
        floor_port = free_port()
        floor_env = {
            **os.environ,
            "BENCH_FLOOR_UPSTREAM": upstream.url,
            "BENCH_FLOOR_PREFIX": upstream.prefix,
        }
        floor_cmd = [
            sys.executable,
            *("-m", "uvicorn", "--factory", "floor:create_app", "--app-dir", str(HERE)),
            *("--host", "127.0.0.1", "--port", str(floor_port), "--loop", "uvloop", "--http", "httptools"),
            *("--no-access-log", "--log-level", "warning", "--no-server-header", "--lifespan", "on"),
        ]
        floor = stack.enter_context(process(floor_cmd, floor_env, tmp / "floor.log"))
        wait_http(f"http://127.0.0.1:{floor_port}/healthz", proc=floor)
        targets["floor"] = (f"http://127.0.0.1:{floor_port}{upstream.prefix}/me", floor.pid)
    for url, _ in targets.values():
        if (status := get_status(url, upstream.token)) != 200:  # urllib raises on 4xx/5xx anyway
            raise RuntimeError(f"{url} answered {status}")
        wrk(url, upstream.token, seconds=2, connections=args.connections, threads=args.wrk_threads)  # warm-up
    runs: dict[str, list[Run]] = {name: [] for name in targets}
    for round_no in range(args.rounds):
        for name, (url, proxy_session) in targets.items():
            fixed = paced(url, upstream.token, rate=args.rate, seconds=args.rate_seconds)
            before = _cpu(proxy_session, upstream)
            with contextlib.ExitStack() as sampling:
                pg = sampling.enter_context(PostgresCpu(upstream.database)) if upstream.database else None
                sat = wrk(
                    url,
                    upstream.token,
                    seconds=args.seconds,
                    connections=args.connections,
                    threads=args.wrk_threads,
                )
            after = _cpu(proxy_session, upstream)
            requests = max(1, sat.requests)
            runs[name].append(
                Run(
                    fixed,
                    sat,
                    None
                    if after[0] is None or before[0] is None
                    else (after[0] - before[0]) / requests * 1e6,
                    (after[1] - before[1]) / requests * 1e6,
                    None if pg is None else pg.seconds / requests * 1e6,
                    None if pg is None else pg.backends_started,
                )
            )
            cpu = runs[name][-1].proxy_cpu_us
            per_req = "" if cpu is None else f", proxy {cpu:.0f} us/req"
            print(f"  round {round_no + 1} {name}: {sat.rps:.0f} req/s{per_req}", file=sys.stderr)
    return runs


def _compiled_gateway() -> Path:
    """The gateway compiled by gateway/compile.py into .build/ (rebuilt only when its sources changed)."""
    root = HERE.parent.parent
    out = root / ".build" / "gateway-compiled"
    subprocess.run([sys.executable, str(root / "gateway" / "compile.py"), str(out)], check=True)
    where = subprocess.run(
        [sys.executable, "-c", "import gateway.main; print(gateway.main.__file__)"],
        env={**os.environ, "PYTHONPATH": str(out)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if where.endswith(".py"):
        raise RuntimeError(f"the compiled gateway in {out} is not the one imported: {where}")
    return out


def _export_gateway(ref: str, into: Path) -> Path:
    """The gateway package of commit ``ref`` (``git archive``), for PYTHONPATH to win over the checkout's."""
    into.mkdir(parents=True)
    root = HERE.parent.parent
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", ref, "gateway/src/gateway"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "gateway" / "src"


def _cpu(proxy_session: int | None, upstream: Upstream) -> tuple[float | None, float]:
    """CPU seconds so far of the proxy and of the upstream service."""
    return (None if proxy_session is None else session_cpu_s(proxy_session), session_cpu_s(upstream.proc.pid))


def _median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


def _median_us(values: list[float | None] | list[int | None]) -> str:
    present = [v for v in values if v is not None]
    return f"{statistics.median(present):.0f}" if present else "-"


def print_table(runs: dict[str, list[Run]], upstream: Upstream, args: argparse.Namespace) -> None:
    """The one table (medians over the rounds), then the gateway-vs-nginx ratios."""
    print(
        f"\n{upstream.name}, uvicorn/uvloop/httptools, 1 process; {os.cpu_count()} cores shared by load "
        f"generator, proxy, service, PostgreSQL and Redis; medians of {args.rounds} interleaved rounds. "
        f"fixed: wrk paced to ~{args.rate:g} req/s for {args.rate_seconds:g} s; saturation: wrk "
        f"-t{args.wrk_threads} -c{args.connections} {args.seconds} s. gateway workers={args.gateway_workers}, "
        f"rate limit={'off' if args.no_rate_limit else 'Redis'}; nginx workers={args.nginx_workers}."
    )
    cols = [
        "path",
        "fixed req/s",
        "fixed p50 ms",
        "fixed p99 ms",
        "sat req/s",
        "sat p50 ms",
        "sat p99 ms",
        "proxy CPU us/req",
        "service CPU us/req",
        "PG CPU us/req",
        "PG conns opened",
        "errors",
    ]
    cols[0] = cols[0].ljust(8)
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("-" * (len(c) + 2) for c in cols) + "|")
    summary: dict[str, tuple[Result, Result]] = {}
    for name, entries in runs.items():
        fixed = _median([e.fixed for e in entries])
        sat = _median([e.sat for e in entries])
        summary[name] = (fixed, sat)
        values = [
            name,
            f"{fixed.rps:.0f}",
            f"{fixed.p50_ms:.2f}",
            f"{fixed.p99_ms:.2f}",
            f"{sat.rps:.0f}",
            f"{sat.p50_ms:.2f}",
            f"{sat.p99_ms:.2f}",
            _median_us([e.proxy_cpu_us for e in entries]),
            _median_us([e.upstream_cpu_us for e in entries]),
            _median_us([e.postgres_cpu_us for e in entries]),
            _median_us([e.postgres_backends_started for e in entries]),
            str(fixed.errors + sat.errors),
        ]
        print(
            "| "
            + " | ".join(
                v.rjust(len(c)) if i else v.ljust(len(c))
                for i, (v, c) in enumerate(zip(values, cols, strict=True))
            )
            + " |"
        )
    (d_fixed, d_sat), (g_fixed, g_sat), (n_fixed, n_sat) = (
        summary["direct"],
        summary["gateway"],
        summary["nginx"],
    )
    g_cpu = _median_us([e.proxy_cpu_us for e in runs["gateway"]])
    n_cpu = _median_us([e.proxy_cpu_us for e in runs["nginx"]])
    if g_cpu != "-" and n_cpu != "-":
        print(f"\nproxy CPU per request: gateway/nginx {int(g_cpu) / int(n_cpu):.1f}x (goal <= 3x)", end="")
        if "python" in runs:
            p_cpu = _median_us([e.proxy_cpu_us for e in runs["python"]])
            print(f", not compiled (python)/nginx {int(p_cpu) / int(n_cpu):.1f}x", end="")
        if "before" in runs:
            b_cpu = _median_us([e.proxy_cpu_us for e in runs["before"]])
            print(f", before/nginx {int(b_cpu) / int(n_cpu):.1f}x", end="")
        if "floor" in runs:
            f_cpu = _median_us([e.proxy_cpu_us for e in runs["floor"]])
            print(f", floor (uvicorn + aiohttp alone)/nginx {int(f_cpu) / int(n_cpu):.1f}x", end="")
        print()
    if "before" in summary:
        b_fixed, b_sat = summary["before"]
        print(
            f"before ({args.baseline}): added p50 {b_fixed.p50_ms - d_fixed.p50_ms:+.2f} ms, "
            f"saturation {b_sat.rps / n_sat.rps:.0%} of nginx"
        )
    print(
        f"saturation throughput: gateway/nginx {g_sat.rps / n_sat.rps:.0%} (goal >= 80%), "
        f"gateway/direct {g_sat.rps / d_sat.rps:.0%}, nginx/direct {n_sat.rps / d_sat.rps:.0%}"
    )
    print(
        f"added p50 at {args.rate:g} req/s: gateway {g_fixed.p50_ms - d_fixed.p50_ms:+.2f} ms (goal < 1 ms), "
        f"nginx {n_fixed.p50_ms - d_fixed.p50_ms:+.2f} ms; gateway - nginx "
        f"{g_fixed.p50_ms - n_fixed.p50_ms:+.2f} ms. CPU us/req: CPU time of the saturation run / its "
        f"requests; proxy: the gateway's or nginx's processes; service: the upstream's process; PG: its "
        f"PostgreSQL backends."
    )


if __name__ == "__main__":
    main()
