"""Helpers shared by the benchmarks: a scratch database built by real migrations, table printing, and services
started in processes of their own (with a JWKS to verify the benchmark's tokens)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from vitrine_kit.testing.tokens import TestKeys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs" / "kit" / "tests"))  # the kit's fixture service: a minimal real service

PG = os.environ.get("VITRINE_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("VITRINE_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


def fixture_trees(tmp: Path) -> Path:
    """A private copy of the fixture service's migration trees (so a benchmark can add revisions)."""
    from fixture_service.app import SERVICE_DIR

    shutil.copytree(SERVICE_DIR / "migrations", tmp / "migrations")
    return tmp


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="vitrine-bench-"))


def db_name(kind: str) -> str:
    return f"bench_{kind}_{uuid.uuid4().hex[:8]}"


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells[1:]]
    out.append(line)
    return "\n".join(out)


# --- services in processes of their own -------------------------------------------------------------------


def serve_jwks(keys: TestKeys) -> tuple[ThreadingHTTPServer, str]:
    """The JSON Web Key Set of ``keys`` (a ``TestKeys``) on a free port; returns the server and its URL.

    Not under ``/.well-known/``: a service given this URL checks no revocation list (auth-service is not
    running)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from vitrine_kit.testing.helpers import free_port

    body = json.dumps(keys.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


def cpu_s(pid: int | None) -> float:
    """User + system CPU seconds ``pid`` has used so far."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_service(
    cli_module: str,
    env: dict[str, str],
    ready_url: str,
    log_name: str,
    *,
    setup: Sequence[str] = (),
    serve: Sequence[str] = ("serve",),
) -> subprocess.Popen[bytes]:
    """``python -m <cli_module> <step>`` for each setup step, then ``python -m <cli_module> <serve…>`` with
    ``env``, waited for until ``ready_url`` answers 200. Its output goes to ``$BENCH_LOG_DIR/<log_name>.log``
    (``/tmp`` by default)."""
    import time

    import httpx

    full_env = {**os.environ, **env}
    for step in setup:
        subprocess.run(
            [sys.executable, "-m", cli_module, step], env=full_env, check=True, stdout=subprocess.DEVNULL
        )
    log = open(Path(os.environ.get("BENCH_LOG_DIR", "/tmp")) / f"{log_name}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", cli_module, *serve], env=full_env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cli_module} exited ({proc.returncode}); see {log.name}")
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{cli_module} did not become ready; see {log.name}")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
