"""Runs ``relay-service serve`` with a ``gc.callbacks`` probe: every collection's generation and pause.

At exit the pauses are written as JSON lines ``[start, seconds, generation]`` (``time.perf_counter``, which
is CLOCK_MONOTONIC and so comparable with the benchmark's own timestamps) to ``$BENCH_GC_LOG``.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time
from typing import Any

pauses: list[tuple[float, float, int]] = []
_started = 0.0


def _probe(phase: str, info: dict[str, Any]) -> None:
    global _started
    if phase == "start":
        _started = time.perf_counter()
    else:
        pauses.append((_started, time.perf_counter() - _started, int(info["generation"])))


def _write(*_: Any) -> None:
    with open(os.environ["BENCH_GC_LOG"], "w") as out:
        out.writelines(json.dumps(p) + "\n" for p in pauses)


def _census(*_: Any) -> None:
    """SIGUSR1: the collector's tracked objects by type, to ``$BENCH_GC_LOG.census``."""
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        name = type(obj).__qualname__
        counts[name] = counts.get(name, 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:40]
    with open(os.environ["BENCH_GC_LOG"] + ".census", "a") as out:
        out.write(
            json.dumps({"tracked": sum(counts.values()), "frozen": gc.get_freeze_count(), "top": top}) + "\n"
        )


def main() -> int:
    signal.signal(signal.SIGUSR1, _census)
    gc.callbacks.append(_probe)
    # uvicorn restores this handler after its shutdown and raises SIGTERM again: write, then exit.
    signal.signal(signal.SIGTERM, lambda *_: (_write(), sys.exit(0)))
    from relay_service.cli import main as serve

    serve(["serve"])
    _write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
