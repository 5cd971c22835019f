"""AI evaluation: a generated, labelled set of care labels and swatches through ai-service's pipeline.

    uv run --frozen python eval/ai/run.py                       # offline provider, 120 labels + 80 swatches
    uv run --frozen python eval/ai/run.py --labels 30 --swatches 20 --seed 7
    AI_PROVIDER=gemini AI_GEMINI_API_KEY=... AI_GEMINI_BASE_URL= uv run --frozen python eval/ai/run.py

Prints Markdown: per-field accuracy, calibration by confidence bucket, and accuracy by photo condition,
language and swatch pattern. See README.md beside it for what is generated and for measured figures.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aieval import report
from aieval.harness import Harness, eval_settings
from aieval.labelset import LabelSet

LABEL_FIELDS = ("brand", "size", "materials", "label photo")


async def main(args: argparse.Namespace) -> None:
    settings = eval_settings()
    harness = Harness(settings)
    labelset = LabelSet(harness.ref, args.seed)
    samples = labelset.samples(args.labels, args.swatches)
    fingerprint = hashlib.sha256(b"".join(p for s in samples for p in s.photos)).hexdigest()[:12]
    try:
        run = await harness.run(samples, args.concurrency)
    finally:
        await harness.aclose()
    marks = run.marks
    print(f"## {run.provider} ({run.model})\n")
    print(
        f"Seed {args.seed}: {args.labels} label items (2 photos each) and {args.swatches} swatches, set "
        f"fingerprint {fingerprint}; fonts: {', '.join(labelset.font_names)}. "
        f"{run.seconds:.1f} s, {run.input_tokens} input and {run.output_tokens} output tokens, "
        f"pipelines {run.pipelines}, failed analyses: {len(run.failures)}.\n"
    )
    print("### Accuracy per field\n")
    print(report.fields_table(marks) + "\n")
    print("### Calibration (answered fields with a confidence)\n")
    table, _ = report.calibration_table(marks)
    print(table + "\n")
    print("\n".join(report.summary_lines(marks)) + "\n")
    labels = [s for s in samples if s.kind == "label"]
    swatches = [s for s in samples if s.kind == "swatch"]
    print("### Label items by photo condition\n")
    print(report.breakdown(labels, marks, lambda s: s.conditions["condition"], LABEL_FIELDS) + "\n")
    print("### Label items by language\n")
    print(report.breakdown(labels, marks, lambda s: s.language, ("brand", "size", "materials")) + "\n")
    print("### Swatches by pattern and by condition\n")
    print(report.breakdown(swatches, marks, lambda s: s.conditions["pattern"], ("colour", "pattern")) + "\n")
    print(
        report.breakdown(swatches, marks, lambda s: s.conditions["condition"], ("colour", "pattern")) + "\n"
    )
    if run.failures:
        print("### Failed analyses\n")
        for sample_id, error in sorted(run.failures.items()):
            print(f"- {sample_id}: {error}")
    if args.marks:
        text = json.dumps([m.__dict__ for m in marks], indent=1)
        await asyncio.to_thread(Path(args.marks).write_text, text)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--labels", type=int, default=120, help="label items (2 photos each)")
    parser.add_argument("--swatches", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=4, help="analyses at once")
    parser.add_argument("--marks", default="", help="write every mark as JSON to this file")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
