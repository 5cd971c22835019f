"""The report: Markdown tables of per-field accuracy, calibration, and accuracy by condition."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from aieval.labelset import Sample
from aieval.score import Bucket, Mark, by_field, calibration, expected_calibration_error


def markdown(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value * 100:.0f}%"


def num(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}"


def fields_table(marks: Sequence[Mark]) -> str:
    rows = [
        [s.name, s.items, s.answered, s.right, pct(s.accuracy), pct(s.precision), num(s.mean_confidence)]
        for s in by_field(marks)
    ]
    headers = ["field", "items", "answered", "right", "accuracy", "right when answered", "mean confidence"]
    return markdown(headers, rows)


def calibration_table(marks: Sequence[Mark]) -> tuple[str, list[Bucket]]:
    buckets = calibration(marks)
    rows = [
        [
            f"{b.low:.1f}-{b.high:.1f}",
            b.count,
            num(b.mean_confidence),
            pct(b.accuracy),
            "-" if not b.count else f"{(b.accuracy - b.mean_confidence) * 100:+.0f} pts",
        ]
        for b in buckets
    ]
    headers = ["confidence", "answers", "mean confidence", "observed accuracy", "accuracy - confidence"]
    return markdown(headers, rows), buckets


def breakdown(
    samples: Sequence[Sample], marks: Sequence[Mark], key: Callable[[Sample], str], fields: Sequence[str]
) -> str:
    """Accuracy of ``fields`` per group of items (``key``): condition, language, pattern."""
    group = {s.id: key(s) for s in samples}
    names = sorted({g for g in group.values() if g})
    rows = []
    for name in names:
        row: list[object] = [name]
        for f in fields:
            hit = [m for m in marks if m.field == f and group.get(m.sample) == name]
            row.append(f"{pct(sum(m.right for m in hit) / len(hit)) if hit else '-'} ({len(hit)})")
        rows.append(row)
    return markdown(["", *fields], rows)


def summary_lines(marks: Sequence[Mark]) -> list[str]:
    _, buckets = calibration_table(marks)
    answered = sum(b.count for b in buckets)
    return [f"Expected calibration error over {answered} answers: {num(expected_calibration_error(buckets))}"]
