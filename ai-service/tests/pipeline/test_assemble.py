"""From a detail answer to catalog's terms."""

from __future__ import annotations

import uuid

import pytest
from ai_service.pipeline.assemble import attributes_from, condition_code, confidence, flaws_seen
from ai_service.reference.catalog import reference


def attributes(**answer):
    return attributes_from(
        reference(), answer, group="bottoms", fallback_category="jeans", fallback_confidence=0.7, lang="fr"
    )


@pytest.mark.unit
class TestAttributes:
    def test_codes_are_mapped_with_labels_in_the_language(self) -> None:
        attrs = attributes(category="jeans", category_confidence=0.9, gender="men", gender_confidence=0.8)
        assert attrs.category.model_dump() == {
            "reference_id": "jeans",
            "text": "Jeans",
            "matched": True,
            "confidence": 0.9,
        }
        assert (attrs.gender.reference_id, attrs.gender.text) == ("men", "Homme")

    def test_an_unknown_category_falls_back_to_the_first_step(self) -> None:
        attrs = attributes(category="spaceship", category_confidence=0.9)
        assert (attrs.category.reference_id, attrs.category.confidence) == ("jeans", 0.7)

    def test_an_unknown_brand_stays_text(self) -> None:
        attrs = attributes(brand="Atelier Nulle Part", brand_confidence=0.7)
        assert attrs.brand.model_dump() == {
            "reference_id": None,
            "text": "Atelier Nulle Part",
            "matched": False,
            "confidence": 0.7,
        }
        assert reference().match_brand("Atelier Nulle Part") is None

    @pytest.mark.parametrize(
        ("written", "code"), [("levis", "levi-s"), ("H & M", "h-and-m"), ("SÉZANE", "sezane")]
    )
    def test_brands_match_by_name_or_alias_whatever_the_spelling(self, written: str, code: str) -> None:
        assert attributes(brand=written, brand_confidence=0.9).brand.reference_id == code

    def test_the_printed_size_is_matched_when_the_code_is_missing(self) -> None:
        size = attributes(size_label="W32", size=None, size_confidence=0.8).size
        assert (size.reference_id, size.system, size.value, size.text) == ("waist:W32", "waist", "W32", "W32")

    def test_a_size_of_another_group_is_not_matched(self) -> None:
        size = attributes(size_label="XXL in Narnia", size="nope", size_confidence=0.8).size
        assert (size.reference_id, size.matched, size.text) == (None, False, "XXL in Narnia")

    def test_materials_keep_their_percentages_unless_they_exceed_100(self) -> None:
        ok = attributes(
            materials=[{"material": "cotton", "percent": 98}, {"material": "elastane", "percent": 2}],
            materials_confidence=0.9,
        ).materials
        assert [(m.reference_id, m.percent) for m in ok.items] == [("cotton", 98), ("elastane", 2)]
        bad = attributes(
            materials=[{"material": "cotton", "percent": 90}, {"material": "wool", "percent": 40}],
            materials_confidence=0.9,
        ).materials
        assert [m.percent for m in bad.items] == [None, None]
        assert bad.confidence == 0.3

    def test_unknown_colours_are_dropped_and_two_kept(self) -> None:
        colours = attributes(
            colours=["blue", "ultraviolet", "black", "white"], colours_confidence=0.8
        ).colours
        assert colours.reference_ids == ["blue", "black"]

    def test_detail_attributes_are_none_when_not_seen(self) -> None:
        attrs = attributes(rise=None, rise_confidence=0.0, fit="slim", fit_confidence=0.6)
        assert attrs.rise is None
        assert attrs.fit is not None
        assert attrs.fit.reference_id == "slim"
        assert attrs.neckline is None  # not asked for bottoms


@pytest.mark.unit
class TestScales:
    @pytest.mark.parametrize(
        ("score", "code"),
        [
            (10, "new_with_tags"),
            (9, "new_without_tags"),
            (8, "very_good"),
            (7, "very_good"),
            (5, "good"),
            (2, "satisfactory"),
        ],
    )
    def test_the_written_condition_scale(self, score: int, code: str) -> None:
        assert condition_code(score) == code

    def test_confidence_in_percent_is_scaled_and_bounded(self) -> None:
        assert confidence({"x_confidence": 85}, "x") == 0.85
        assert confidence({"x_confidence": -1}, "x") == 0.0
        assert confidence({"x_confidence": "high"}, "x") == 0.0

    def test_flaws_name_their_photo(self) -> None:
        photos = [uuid.uuid4(), uuid.uuid4()]
        flaws = flaws_seen(
            [
                {"kind": "stain", "location": "left cuff", "severity": "minor", "photo": 2},
                {"kind": "dragon bite", "location": "hem", "severity": "awful", "photo": 9},
            ],
            photos,
        )
        assert [(f.kind, f.severity, f.image_id) for f in flaws] == [
            ("stain", "minor", photos[1]),
            ("other", "minor", None),
        ]
