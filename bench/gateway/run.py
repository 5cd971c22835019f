"""Gateway benchmark: one authenticated endpoint called directly, through the gateway, and through nginx.

Prints one table: requests per second and p50/p99 latency at a fixed moderate rate (wrk with each
connection paced by a Lua ``delay()``, see paced.lua) and at saturation (wrk, closed loop), with
the gateway's figures as ratios of nginx's. Needs ``wrk`` and ``nginx`` (Debian packages) and the Redis
on 127.0.0.1:6379. Run from the repository root: ``uv run python bench/gateway/run.py``.
"""

from __future__ import annotations

import argparse
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
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vitrine_kit.testing.tokens import TestKeys

HERE = Path(__file__).resolve().parent

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
        location /api/bench/ {{
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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout_s: float = 20.0) -> None:
    """Block until ``url`` answers 200."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def process(
    cmd: list[str], env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0


def session_cpu_s(session_id: int) -> float:
    """User+system CPU seconds of every live process in a session (uvicorn workers, nginx workers)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id:  # field 6 of stat: the session id
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


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


def main() -> None:
    """Start the three targets, load each, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="per saturation run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--rate", type=float, default=1000.0, help="fixed moderate rate, req/s")
    parser.add_argument("--rate-seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--gateway-workers", type=int, default=1)
    parser.add_argument("--nginx-workers", type=int, default=1)
    parser.add_argument("--no-rate-limit", action="store_true", help="gateway without its Redis call")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y {tool}")

    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    keys = TestKeys()
    token = keys.issue(tenant_id=uuid.uuid4(), roles=("owner",))
    (tmp / "jwks.json").write_text(json.dumps(keys.jwks()))
    up_port, gw_port, nginx_port = free_port(), free_port(), free_port()
    upstream_url = f"http://127.0.0.1:{up_port}"
    env = {**os.environ, "BENCH_JWKS_FILE": str(tmp / "jwks.json")}
    gw_env = {
        **os.environ,
        "GATEWAY_UPSTREAMS": json.dumps({"bench": {"prefix": "/api/bench", "url": upstream_url}}),
        "GATEWAY_JWKS_URL": upstream_url + "/.well-known/jwks.json",
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
            upstream_port=up_port,
            port=nginx_port,
        )
    )
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    python = sys.executable
    with (
        process(
            [
                python,
                "-m",
                "uvicorn",
                "--factory",
                "upstream:create_app",
                "--app-dir",
                str(HERE),
                "--port",
                str(up_port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env,
            tmp / "upstream.log",
        ) as upstream,
        process(
            [
                python,
                "-m",
                "gateway.cli",
                "--host",
                "127.0.0.1",
                "--port",
                str(gw_port),
                "--workers",
                str(args.gateway_workers),
            ],
            gw_env,
            tmp / "gateway.log",
        ) as gateway,
        process(
            [nginx_bin, "-c", str(nginx_dir / "nginx.conf"), "-p", str(nginx_dir), "-e", "stderr"],
            None,
            tmp / "nginx.log",
        ) as nginx,
    ):
        wait_http(upstream_url + "/healthz")
        wait_http(f"http://127.0.0.1:{gw_port}/healthz")
        wait_http(f"http://127.0.0.1:{nginx_port}/api/bench/healthz")
        targets = {
            "direct": (upstream_url + "/me", upstream.pid),
            "gateway": (f"http://127.0.0.1:{gw_port}/api/bench/me", gateway.pid),
            "nginx": (f"http://127.0.0.1:{nginx_port}/api/bench/me", nginx.pid),
        }
        runs: dict[str, list[tuple[Result, Result, float]]] = {name: [] for name in targets}
        for url, _ in targets.values():
            wrk(url, token, seconds=2, connections=args.connections, threads=args.wrk_threads)  # warm-up
        for round_no in range(args.rounds):
            for name, (url, session_id) in targets.items():
                fixed = paced(url, token, rate=args.rate, seconds=args.rate_seconds)
                cpu_before = session_cpu_s(session_id)
                saturated = wrk(
                    url, token, seconds=args.seconds, connections=args.connections, threads=args.wrk_threads
                )
                cpu_us = (session_cpu_s(session_id) - cpu_before) / max(1, saturated.requests) * 1e6
                runs[name].append((fixed, saturated, cpu_us))
                print(f"  round {round_no + 1} {name}: {saturated.rps:.0f} req/s", file=sys.stderr)

    print_table(runs, args)
    shutil.rmtree(tmp, ignore_errors=True)


def _median(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


def print_table(runs: dict[str, list[tuple[Result, Result, float]]], args: argparse.Namespace) -> None:
    """The one table (medians over the rounds), then the gateway-vs-nginx ratios."""
    print(
        f"\nGET /me (FastAPI + kit TokenVerifier on uvicorn/uvloop/httptools, 1 process); {os.cpu_count()} "
        f"cores shared by load generator, proxy, upstream and Redis; medians of {args.rounds} interleaved "
        f"rounds. fixed: wrk paced to ~{args.rate:g} req/s for {args.rate_seconds:g} s; saturation: wrk "
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
        "CPU us/req",
        "errors",
    ]
    cols[0] = cols[0].ljust(8)
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("-" * (len(c) + 2) for c in cols) + "|")
    summary: dict[str, tuple[Result, Result]] = {}
    for name, entries in runs.items():
        fixed = _median([e[0] for e in entries])
        sat = _median([e[1] for e in entries])
        cpu = statistics.median(e[2] for e in entries)
        summary[name] = (fixed, sat)
        values = [
            name,
            f"{fixed.rps:.0f}",
            f"{fixed.p50_ms:.2f}",
            f"{fixed.p99_ms:.2f}",
            f"{sat.rps:.0f}",
            f"{sat.p50_ms:.2f}",
            f"{sat.p99_ms:.2f}",
            f"{cpu:.0f}",
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
    print(
        f"\nsaturation throughput: gateway/nginx {g_sat.rps / n_sat.rps:.0%} (goal >= 80%), "
        f"gateway/direct {g_sat.rps / d_sat.rps:.0%}, nginx/direct {n_sat.rps / d_sat.rps:.0%}"
    )
    print(
        f"added p50 at {args.rate:g} req/s: gateway {g_fixed.p50_ms - d_fixed.p50_ms:+.2f} ms (goal < 1 ms), "
        f"nginx {n_fixed.p50_ms - d_fixed.p50_ms:+.2f} ms. CPU us/req: the process serving that column "
        f"(direct: the upstream itself)."
    )


if __name__ == "__main__":
    main()
