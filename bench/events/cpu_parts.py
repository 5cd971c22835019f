"""Where the pipeline's CPU goes: one burst sampled by py-spy, its samples sorted into the pipeline's parts.

    uv run --frozen --with py-spy python bench/events/cpu_parts.py --only pipeline -o /tmp/pipeline.txt
    uv run --frozen --with py-spy python bench/events/cpu_parts.py --only bare -o /tmp/bare.txt
    uv run --frozen python bench/events/cpu_parts.py --breakdown /tmp/pipeline.txt

The first runs ``run.py``'s first pipeline row (rows committed beforehand), the second its bare aio-pika
row; py-spy attaches to the process when the burst's clock starts (the setup is not sampled) and stops
when the burst is done. The third prints the share of the burst's samples per part and the CPU per event
that makes (the burst's measured CPU per event times the share). py-spy samples from outside the process
(``--rate`` per second, 400 by default), so it slows the burst little.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Parts, first match wins, tested against a sample's stack (root → leaf) as text; a frame is py-spy's
# "function (file:line)". The kit's, aiormq's, aio-pika's and SQLAlchemy's function names decide; SQLAlchemy's
# async calls run in greenlets whose stacks start at the ORM ``Session`` (the consumer's inbox) or at Core's
# ``Connection`` (the relay's claim and mark-sent).
PARTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("setup", "the burst's end: stopping the relay and consumer", ("record (", "importlib")),
    (
        "AMQP publish",
        "frames built and queued, confirms matched (the bare run: aio-pika's publish, its JSON)",
        (
            "send_batch",
            "outcomes",
            "publish_confirmed",
            "publish_batch.<locals>.publish",
            "basic_publish",
            "_on_confirm_frame",
            "_confirm_delivery",
            "forget",
            "produce (run.py",
            "SentBatch",
        ),
    ),
    (
        "relay SQL",
        "claim (SELECT … SKIP LOCKED), mark sent, the transaction",
        ("publish_batch (", "OutboxRelay"),
    ),
    ("ack", "basic.ack frames queued", ("acks.py", "basic_ack", "IncomingMessage.ack")),
    (
        "consumer parsing",
        "envelope and event model (pydantic; the bare run: json.loads)",
        ("model_validate", "validate_json", "EnvelopeParser", "loads ("),
    ),
    (
        "handler",
        "the handler, its log context and consumer span",
        ("handle (run.py", "_handling", "consumer_span", "_log_context", "on_message (run"),
    ),
    (
        "inbox insert + commit",
        "the batch's INSERT … RETURNING, commit, the session",
        ("Session", "_run_batch"),
    ),
    ("consumer other", "batching, futures, metrics", ("consumer.py",)),
    (
        "AMQP delivery",
        "deliver frames to an IncomingMessage, its task",
        ("_on_deliver_frame", "_read_content", "queue.py", "IncomingMessage", "tools.py"),
    ),
    (
        "AMQP frames in",
        "socket read, frame parsing, channel queues",
        ("__reader", "Channel._reader", "data_received"),
    ),
    ("AMQP frames out", "the connection's writer: socket writes of publishes and acks", ("__writer",)),
    ("relay SQL", "", ("sqlalchemy/", "asyncpg/")),
]


def classify(stack: str) -> str:
    for name, _, needles in PARTS:
        if any(n in stack for n in needles):
            return name
    return "other"


def shares(path: Path) -> tuple[str, float, dict[str, float]]:
    """A recording's mode, its CPU per event, and each part's share of its burst's samples."""
    mark = json.loads(Path(str(path) + ".marks").read_text())
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        counts[classify(stack)] += int(count)
    counts.pop("setup", None)
    total = sum(counts.values())
    return mark["mode"], mark["cpu"], {name: n / total for name, n in counts.items()}


def breakdown(paths: list[Path]) -> None:
    """One column per recording: each part's share of the burst's samples and the CPU per event it makes."""
    runs = [(path.stem, *shares(path)) for path in paths]
    what = {name: text for name, text, _ in PARTS if text and name != "setup"}
    what["other"] = "event loop (uvloop's own C code), asyncio, GC"
    order = sorted(what, key=lambda name: -max(run[3].get(name, 0.0) for run in runs))
    heads = [f"{stem} ({mode}): share · µs/event" for stem, mode, _, _ in runs]
    print("| part | what | " + " | ".join(heads) + " |\n|---|---|" + "---|" * len(runs))
    for name in order:
        cells = [f"{run[3].get(name, 0.0):.0%} · {run[3].get(name, 0.0) * run[2]:.0f}" for run in runs]
        print(f"| {name} | {what[name]} | " + " | ".join(cells) + " |")
    print(
        "| **total** | CPU time of the burst / events | " + " | ".join(f"**{r[2]:.0f}**" for r in runs) + " |"
    )


class Sampler:
    """py-spy attached to this process from ``start`` to ``stop``."""

    def __init__(self, output: Path, rate: int) -> None:
        self.output, self.rate = output, rate
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        spy = shutil.which("py-spy")
        if spy is None:
            raise SystemExit("py-spy not found: run with `uv run --frozen --with py-spy`")
        command = [spy, "record", "--pid", str(os.getpid()), "--rate", str(self.rate), "--format", "raw"]
        self.proc = subprocess.Popen([*command, "-o", str(self.output)], stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # py-spy attaches before the clock starts

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(30)


async def record(only: str, n: int, sampler: Sampler) -> None:
    from _common import PG, db_name, fixture_trees, scratch_dir
    from run import bare, pipeline
    from vitrine_kit.db.migrations import MigrationTrees
    from vitrine_kit.testing import infra

    name = db_name("events_profile")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(fixture_trees(scratch_dir())))
    try:
        if only == "bare":
            _, _, cpu = await bare(n, None, 16, on_start=sampler.start)
        else:
            _, _, cpu = await pipeline(url, n, None, 0, precommitted=True, on_start=sampler.start)
        sampler.stop()
    finally:
        await infra.drop_database(PG, name)
    Path(str(sampler.output) + ".marks").write_text(json.dumps({"mode": only, "cpu": cpu}))
    print(f"{only}: {cpu:.0f} µs CPU/event; samples in {sampler.output}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=("bare", "pipeline"), default="pipeline")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rate", type=int, default=400)
    parser.add_argument("-o", "--output", type=Path, default=Path("/tmp/events-profile.txt"))
    parser.add_argument(
        "--breakdown", type=Path, nargs="+", help="recordings to sort into parts, side by side"
    )
    args = parser.parse_args()
    if args.breakdown:
        breakdown(args.breakdown)
        return
    logging.basicConfig(level=logging.WARNING)
    import uvloop

    uvloop.run(record(args.only, args.events, Sampler(args.output, args.rate)))


if __name__ == "__main__":
    main()
