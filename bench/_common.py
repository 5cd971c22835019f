"""Helpers shared by the benchmarks: a scratch database built by real migrations, and table printing."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

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
