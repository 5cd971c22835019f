"""The suggested price, by rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ai_service.pipeline.assemble import attributes_from
from ai_service.pipeline.pricing import suggest_price
from ai_service.reference.catalog import reference
from vitrine_contracts.ai import FlawKind, FlawSeen, FlawSeverity


def priced(flaws: list[FlawSeen] | None = None, **answer: object):
    ref = reference()
    attrs = attributes_from(
        ref, answer, group=None, fallback_category=None, fallback_confidence=0.0, lang="en"
    )
    return suggest_price(ref, attrs, flaws or [], "EUR")


@pytest.mark.unit
class TestSuggestPrice:
    def test_brand_condition_and_era_count_and_are_explained(self) -> None:
        price = priced(category="jeans", brand="Levi's", condition_score=7, decade="1990s")
        assert price is not None
        assert price.amount == Decimal("35.00")  # 22 x 1.8 x 0.7 x 1.25 = 34.65
        assert price.low < price.amount < price.high
        assert "Levi's" in price.reason
        assert "vintage" in price.reason

    def test_flaws_lower_the_price(self) -> None:
        clean = priced(category="coats-jackets", condition_score=5)
        stained = priced(
            [FlawSeen(kind=FlawKind.STAIN, location="front", severity=FlawSeverity.MAJOR)],
            category="coats-jackets",
            condition_score=5,
        )
        assert clean is not None
        assert stained is not None
        assert stained.amount < clean.amount
        assert "-30 % for 1 flaw" in stained.reason

    def test_no_category_no_price(self) -> None:
        assert priced(category="nothing") is None
