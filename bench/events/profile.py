"""Where the pipeline's CPU goes: run one burst under py-spy, then sort its samples into the pipeline's parts.

    uv run --frozen --with py-spy py-spy record --rate 400 --format raw -o /tmp/events.txt -- \\
        .venv/bin/python bench/events/profile.py --events 20000
    uv run --frozen python bench/events/profile.py --breakdown /tmp/events.txt

The first command runs bare aio-pika's burst and then the pipeline's (rows committed beforehand, as in
``run.py``'s first pipeline row); the second prints, for each, the share of the process's samples per part
and the CPU per event it makes (the burst's measured CPU per event times the share).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Parts, first match wins, tested against a sample's stack (root → leaf) as text. A frame is py-spy's
# "function (file:line)"; the patterns name functions and files of the kit, aiormq, aio-pika, SQLAlchemy.
PARTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("setup", "broker connect, topology, scratch rows", ("declare_queue", "_on_connected", "wait_connected")),
    ("relay SQL", "claim, mark sent (SQLAlchemy + asyncpg)", ("publish_batch (",)),
    ("AMQP publish", "frames built and queued, confirms", ("publish_confirmed", "publish_frames", "_on_confirm_frame",
                                                           "_confirm_delivery", "basic_publish")),
    ("ack", "basic.ack frames", ("acks.py", "basic_ack", "ack (aio_pika")),
    ("inbox insert + commit", "the batch's INSERT … RETURNING, commit", ("_run_batch", "_handle (")),
    ("consumer parsing", "envelope and event model (pydantic)", ("parse_delivery", "model_validate")),
    ("consumer other", "batching, futures, log context, metrics", ("consumer.py",)),
    ("AMQP delivery", "deliver frames to IncomingMessage", ("_on_deliver_frame", "_read_content", "aio_pika/queue.py",
                                                            "aio_pika/message.py")),
    ("AMQP frames in", "socket read, frame parsing, channel queues", ("__reader", "get_frame", "_reader (")),
    ("AMQP frames out", "socket writes (publishes and acks)", ("__writer", "write_frames")),
]


def classify(stack: str) -> str:
    for name, _, needles in PARTS:
        if any(n in stack for n in needles):
            return name
    return "other (event loop, asyncio, GC)"


def breakdown(path: Path) -> None:
    marks = json.loads(Path(str(path) + ".marks").read_text())
    per_mode: dict[str, Counter[str]] = {}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        mode = "pipeline" if "run_pipeline" in stack else "bare" if "run_bare" in stack else None
        if mode is None:
            continue
        per_mode.setdefault(mode, Counter())[classify(stack)] += int(count)
    for mode, counts in per_mode.items():
        counts.pop("setup", None)
        total = sum(counts.values())
        cpu = marks[mode]
        print(f"\n{mode}: {total} samples, {cpu:.0f} µs CPU/event")
        print("| part | what | share | µs/event |\n|---|---|---|---|")
        described = {name: what for name, what, _ in PARTS}
        for name, n in counts.most_common():
            share = n / total
            print(f"| {name} | {described.get(name, '')} | {share:.0%} | {share * cpu:.0f} |")


async def run_bare(n: int) -> float:
    from run import bare

    return (await bare(n, None, 16))[2]


async def run_pipeline(url: str, n: int) -> float:
    from run import pipeline

    return (await pipeline(url, n, None, 0, precommitted=True))[2]


async def record(n: int, marks: Path, only: str) -> None:
    from _common import PG, db_name, fixture_trees, scratch_dir
    from vitrine_kit.db.migrations import MigrationTrees
    from vitrine_kit.testing import infra

    name = db_name("events_profile")
    url = await infra.migrated_database(PG, name, MigrationTrees.in_dir(fixture_trees(scratch_dir())))
    try:
        cpu = await (run_bare(n) if only == "bare" else run_pipeline(url, n))
    finally:
        await infra.drop_database(PG, name)
    marks.write_text(json.dumps({"mode": only, "cpu": cpu}))
    print(f"CPU µs/event: {only} {cpu:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--marks", type=Path, default=Path("/tmp/events.txt.marks"))
    parser.add_argument("--only", choices=("bare", "pipeline"), required=False)
    parser.add_argument("--breakdown", type=Path, help="py-spy's raw output to sort into parts")
    args = parser.parse_args()
    if args.breakdown:
        breakdown(args.breakdown)
        return
    logging.basicConfig(level=logging.WARNING)
    import uvloop

    uvloop.run(record(args.events, args.marks, args.only))


if __name__ == "__main__":
    main()
