"""Drafts held to each marketplace's limits, and the templates."""

from __future__ import annotations

import pytest
from ai_service.pipeline.assemble import attributes_from
from ai_service.pipeline.drafts import etsy_tags, etsy_title, parse_drafts, template_drafts
from ai_service.providers.base import ErrorKind, ProviderError
from ai_service.reference.catalog import reference
from vitrine_contracts.ai import FlawKind, FlawSeen, FlawSeverity

LONG = (
    "Vintage Levi's 501 straight leg jeans in mid blue washed denim, button fly, made in USA, W32 L34, great"
)


def answer(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "ebay_title": LONG,
        "ebay_description": "Nice jeans.",
        "etsy_title": "Levi's 501: jeans & denim: 100% cotton + + $$$",
        "etsy_description": "Nice jeans.",
        "etsy_tags": [
            "levis",
            "501 jeans!",
            "a tag that is far too long to keep",
            *[f"t{i}" for i in range(20)],
        ],
        "vinted_title": "Jean",
        "vinted_description": "x" * 3000,
    }
    data.update(overrides)
    return data


@pytest.mark.unit
class TestLimits:
    def test_each_marketplace_s_limits(self) -> None:
        drafts = parse_drafts(answer(), "gpt-4o-mini", "Jeans")
        assert len(drafts["ebay"].title) <= 80
        assert drafts["ebay"].title.endswith("button fly, made")  # cut after a whole word
        assert len(drafts["vinted"].description) == 2000
        assert drafts["vinted"].title == "Jean Jeans"  # Vinted wants at least 5 characters
        assert len(drafts["etsy"].tags) == 13
        assert all(len(t) <= 20 for t in drafts["etsy"].tags)
        assert "501 jeans" in drafts["etsy"].tags

    def test_etsy_titles_keep_their_special_characters_once(self) -> None:
        assert (
            etsy_title("Levi's 501: jeans & denim: 100% cotton + + $$$")
            == "Levi's 501: jeans & denim 100% cotton +"
        )
        assert etsy_title("Robe 🌸 fleurie") == "Robe fleurie"

    def test_etsy_tags_are_letters_digits_and_spaces(self) -> None:
        assert etsy_tags(["Y2K-style!", "y2k style", "  "]) == ["y2k style"]

    def test_a_missing_draft_is_an_invalid_answer(self) -> None:
        with pytest.raises(ProviderError) as caught:
            parse_drafts(answer(vinted_description=""), "gpt-4o-mini", "Jeans")
        assert caught.value.kind is ErrorKind.INVALID_OUTPUT


@pytest.mark.unit
class TestTemplates:
    def test_templates_in_the_seller_s_language_name_every_flaw(self) -> None:
        ref = reference()
        attrs = attributes_from(
            ref,
            {
                "category": "jeans",
                "category_confidence": 0.9,
                "brand": "Levi's",
                "brand_confidence": 0.9,
                "size_label": "W32",
                "size": "waist:W32",
                "size_confidence": 0.9,
                "colours": ["blue"],
                "colours_confidence": 0.9,
                "condition_score": 7,
                "condition_score_confidence": 0.8,
            },
            group="bottoms",
            fallback_category=None,
            fallback_confidence=0.0,
            lang="fr",
        )
        flaw = FlawSeen(kind=FlawKind.STAIN, location="poche arrière", severity=FlawSeverity.MINOR)
        drafts = template_drafts(ref, attrs, [flaw], "fr")
        assert drafts["ebay"].title == "Levi's Jeans Bleu Taille W32"
        assert "Très bon état" in drafts["vinted"].description
        assert "Défauts: stain (poche arrière)." in drafts["vinted"].description
        assert {d.written_by for d in drafts.values()} == {"template"}
