"""The generator makes the same set from the same seed, and the scorer tells right from wrong."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from ai_service.reference.catalog import reference
from PIL import Image
from vitrine_contracts.ai import (
    ColoursGuess,
    Guess,
    ItemAttributes,
    MaterialsGuess,
    MaterialShareGuess,
    SizeGuess,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from aieval.labelset import LabelSet, Sample
from aieval.score import Prediction, by_field, calibration, expected_calibration_error, marks


def perfect(sample: Sample, confidence: float = 0.95) -> Prediction:
    """What a reader that is always right would answer."""
    t = sample.truth
    attributes = ItemAttributes(
        category=Guess(reference_id=t.category, confidence=confidence if t.category else 0.0),
        brand=Guess(reference_id=t.brand, confidence=confidence if t.brand else 0.0),
        size=SizeGuess(reference_id=t.size, confidence=confidence if t.size else 0.0),
        colours=ColoursGuess(reference_ids=[t.colour] if t.colour else [], confidence=confidence),
        materials=MaterialsGuess(
            items=[MaterialShareGuess(reference_id=m, percent=p) for m, p in t.materials or ()],
            confidence=confidence,
        ),
        condition={},
        gender=Guess(),
        pattern=Guess(reference_id=t.pattern, confidence=confidence) if t.pattern else None,
    )
    return Prediction(attributes, label_photo=t.label_photo)


def wrong(sample: Sample, confidence: float = 0.95) -> Prediction:
    """Answers every field, always with another value than the truth."""
    t = sample.truth
    other = {"category": "jeans", "brand": "zara", "size": "one-size:one-size", "colour": "multicolour"}
    attributes = ItemAttributes(
        category=Guess(reference_id=other["category"], confidence=confidence),
        brand=Guess(reference_id=other["brand"] if t.brand != "zara" else "nike", confidence=confidence),
        size=SizeGuess(reference_id=other["size"], confidence=confidence),
        colours=ColoursGuess(reference_ids=[other["colour"]], confidence=confidence),
        materials=MaterialsGuess(
            items=[MaterialShareGuess(reference_id="down", percent=1)], confidence=confidence
        ),
        condition={},
        gender=Guess(),
        pattern=Guess(reference_id="floral", confidence=confidence),
    )
    label = None if t.label_photo is None else 1 - t.label_photo
    return Prediction(attributes, label_photo=label)


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    # 6 label items (one per photo condition, each language) and 4 swatches (one per pattern).
    return LabelSet(reference(), seed=3).samples(labels=6, swatches=4)


@pytest.mark.unit
class TestGenerate:
    def test_the_same_seed_gives_the_same_photos_and_truths(self, samples: list[Sample]) -> None:
        again = LabelSet(reference(), seed=3).samples(labels=6, swatches=4)
        assert [s.photos for s in again] == [s.photos for s in samples]
        assert [s.truth for s in again] == [s.truth for s in samples]
        other = LabelSet(reference(), seed=4).samples(labels=6, swatches=4)
        assert [s.photos for s in other] != [s.photos for s in samples]

    def test_truths_are_catalog_codes_and_photos_decode(self, samples: list[Sample]) -> None:
        ref = reference()
        for s in samples:
            for photo in s.photos:
                assert Image.open(io.BytesIO(photo)).size[0] > 300
            t = s.truth
            assert ref.has("colour", t.colour)
            if s.kind == "label":
                assert len(s.photos) == 2
                assert t.brand in ref.brands
                assert ref.has("size", t.size)
                assert ref.has("category", t.category)
                assert t.materials is not None
                assert sum(p for _, p in t.materials) == 100
                assert all(ref.has("material", m) for m, _ in t.materials)
            else:
                assert ref.has("pattern", t.pattern)
        conditions = {s.conditions["condition"] for s in samples if s.kind == "label"}
        assert conditions == {"clean", "angle", "blur", "glare", "crop", "combined"}
        assert {s.language for s in samples} == {"fr", "en", "de", "it", "es"}


@pytest.mark.unit
class TestScore:
    def test_a_perfect_reader_scores_one(self, samples: list[Sample]) -> None:
        all_marks = [m for s in samples for m in marks(s, perfect(s))]
        scores = by_field(all_marks)
        assert {s.name for s in scores} == {
            "category", "brand", "size", "materials", "colour", "pattern", "label photo",
        }  # fmt: skip
        assert all(s.accuracy == 1.0 for s in scores)
        top = calibration(all_marks)[-1]
        assert top.count == len([m for m in all_marks if m.confidence is not None])
        assert top.accuracy == 1.0

    def test_a_reader_always_wrong_scores_zero(self, samples: list[Sample]) -> None:
        all_marks = [m for s in samples for m in marks(s, wrong(s))]
        assert all(s.accuracy == 0.0 and s.answered == s.items for s in by_field(all_marks))
        assert expected_calibration_error(calibration(all_marks)) == pytest.approx(0.95)

    def test_an_empty_answer_is_an_abstention_and_a_failure_is_wrong(self, samples: list[Sample]) -> None:
        label = samples[0]
        empty = perfect(label)
        assert empty.attributes is not None
        blank = empty.attributes.model_copy(update={"brand": Guess(), "materials": MaterialsGuess()})
        marked = {m.field: m for m in marks(label, Prediction(blank))}
        assert not marked["brand"].answered
        assert not marked["brand"].right
        assert not marked["materials"].answered
        assert marked["size"].right
        failed = marks(label, Prediction(None, error="provider-timeout"))
        assert failed
        assert not any(m.right or m.answered for m in failed)

    def test_calibration_buckets_by_confidence(self, samples: list[Sample]) -> None:
        half = [m for s in samples for m in marks(s, perfect(s, 0.35))]
        half += [m for s in samples for m in marks(s, wrong(s, 0.35))]
        bucket = calibration(half)[3]
        assert (bucket.low, bucket.high) == (0.3, 0.4)
        assert bucket.accuracy == 0.5
        assert bucket.mean_confidence == pytest.approx(0.35)
