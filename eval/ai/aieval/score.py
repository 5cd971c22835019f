"""Scoring: each field an item has a truth for, right or wrong, with the confidence the pipeline gave it.

A field the pipeline left empty is wrong (it did not find what the photo shows) and is counted as an
abstention; its confidence is what the pipeline reports for an empty field (0.0). Calibration looks at the
answered fields only: of the answers given with confidence 0.9-1.0, how many were right.

| field | right when |
|---|---|
| category | the category's code is the garment's |
| brand | the brand resolves to the printed brand's catalog code (an alias counts) |
| size | the size resolves to the printed size's code (``eu:38``, ``letter:M``, ``waist:W32``) |
| materials | the same fibres with the same percentages, nothing more, nothing less |
| colour | the first colour named is the item's (the swatch's dominant colour) |
| pattern | the pattern's code (solid, striped, checked, polka-dot) |
| label photo | the label photo the pipeline chose is the label (items whose seller marked none) |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vitrine_contracts.ai import ItemAttributes

from aieval.labelset import Sample, Truth

FIELDS = ("category", "brand", "size", "materials", "colour", "pattern", "label photo")
BUCKETS = 10


@dataclass(frozen=True)
class Mark:
    """One field of one item: right or wrong, answered or not, and the confidence given."""

    sample: str
    field: str
    right: bool
    answered: bool
    confidence: float | None  # None: the field has no confidence (the label photo)
    predicted: str
    expected: str


@dataclass(frozen=True)
class Prediction:
    """What the pipeline said about an item, reduced to what is scored."""

    attributes: ItemAttributes | None  # None: the analysis failed
    label_photo: int | None = None  # 0-based position of the photo the result names as the label
    error: str | None = None


def _materials(truth: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{p}% {m}" for m, p in sorted(truth))


def marks(sample: Sample, prediction: Prediction) -> list[Mark]:
    """The item's fields with a truth, each marked."""
    truth, attrs = sample.truth, prediction.attributes
    out: list[Mark] = []

    def mark(name: str, expected: str, got: str | None, confidence: float | None) -> None:
        answered = got is not None and got != ""
        out.append(
            Mark(sample.id, name, answered and got == expected, answered, confidence, got or "", expected)
        )

    def has(t: Truth, name: str) -> bool:
        return getattr(t, name) is not None

    if has(truth, "category"):
        g = attrs.category if attrs else None
        mark("category", str(truth.category), g.reference_id if g else None, g.confidence if g else 0.0)
    if has(truth, "brand"):
        g = attrs.brand if attrs else None
        mark("brand", str(truth.brand), (g.reference_id or g.text) if g else None, g.confidence if g else 0.0)
    if has(truth, "size"):
        s = attrs.size if attrs else None
        mark("size", str(truth.size), (s.reference_id or s.text) if s else None, s.confidence if s else 0.0)
    if truth.materials is not None:
        m = attrs.materials if attrs else None
        got = [(i.reference_id, i.percent) for i in m.items] if m else []
        text = ", ".join(f"{p if p is not None else '?'}% {c}" for c, p in sorted(got, key=lambda x: x[0]))
        mark("materials", _materials(truth.materials), text or None, m.confidence if m else 0.0)
    if has(truth, "colour"):
        c = attrs.colours if attrs else None
        first = c.reference_ids[0] if c and c.reference_ids else None
        mark("colour", str(truth.colour), first, c.confidence if c else 0.0)
    if has(truth, "pattern"):
        p = attrs.pattern if attrs else None
        mark("pattern", str(truth.pattern), p.reference_id if p else None, p.confidence if p else 0.0)
    if truth.label_photo is not None:
        found = prediction.label_photo
        mark("label photo", str(truth.label_photo), None if found is None else str(found), None)
    return out


@dataclass
class FieldScore:
    name: str
    items: int = 0
    answered: int = 0
    right: int = 0
    confidences: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.items if self.items else float("nan")

    @property
    def precision(self) -> float:
        """Right among the answers given (an abstention is not a wrong answer here)."""
        return self.right / self.answered if self.answered else float("nan")

    @property
    def mean_confidence(self) -> float:
        return sum(self.confidences) / len(self.confidences) if self.confidences else float("nan")


def by_field(all_marks: Sequence[Mark]) -> list[FieldScore]:
    scores = {name: FieldScore(name) for name in FIELDS}
    for m in all_marks:
        s = scores[m.field]
        s.items += 1
        s.answered += m.answered
        s.right += m.right
        if m.answered and m.confidence is not None:
            s.confidences.append(m.confidence)
    return [s for s in scores.values() if s.items]


@dataclass
class Bucket:
    low: float
    high: float
    count: int = 0
    confidence_sum: float = 0.0
    right: int = 0

    @property
    def mean_confidence(self) -> float:
        return self.confidence_sum / self.count if self.count else float("nan")

    @property
    def accuracy(self) -> float:
        return self.right / self.count if self.count else float("nan")


def calibration(all_marks: Sequence[Mark]) -> list[Bucket]:
    """Answered fields with a confidence, in ten buckets 0.0-0.1 … 0.9-1.0 (1.0 in the last)."""
    buckets = [Bucket(i / BUCKETS, (i + 1) / BUCKETS) for i in range(BUCKETS)]
    for m in all_marks:
        if not m.answered or m.confidence is None:
            continue
        b = buckets[min(BUCKETS - 1, int(m.confidence * BUCKETS))]
        b.count += 1
        b.confidence_sum += m.confidence
        b.right += m.right
    return buckets


def expected_calibration_error(buckets: Sequence[Bucket]) -> float:
    """Σ count/total · |accuracy - mean confidence| over the buckets: 0 is perfectly honest."""
    total = sum(b.count for b in buckets)
    if not total:
        return float("nan")
    return sum(b.count / total * abs(b.accuracy - b.mean_confidence) for b in buckets if b.count)
