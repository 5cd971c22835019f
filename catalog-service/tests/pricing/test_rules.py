"""The price arithmetic: rounding to an ending, conversion through EUR, the order of the steps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from catalog_service.pricing.rules import Rate, Rule, apply, listing_currency, round_to_ending

EUR = Rate("EUR", D("1"), None, "fixed")
GBP = Rate("GBP", D("0.8612"), date(2026, 11, 30), "ecb")
PLN = Rate("PLN", D("4.2810"), date(2026, 11, 27), "manual")


class TestRounding:
    @pytest.mark.parametrize(
        ("amount", "ending", "expected"),
        [
            ("10.00", "0.99", "9.99"),  # nearest is below
            ("10.49", "0.99", "10.99"),  # a tie (0.50 each way) goes up
            ("10.48", "0.99", "9.99"),
            ("10.99", "0.99", "10.99"),  # already there
            ("11.004", "0.99", "10.99"),
            ("12.40", "0.90", "12.90"),  # a tie again: up
            ("12.39", "0.90", "11.90"),
            ("12.90", "0.90", "12.90"),
            ("0.30", "0.90", "0.90"),  # never below the ending itself (no -0.10)
            ("10.49", "0.00", "10.00"),  # whole units
            ("10.50", "0.00", "11.00"),
            ("0.30", "0.00", "1.00"),  # never zero
        ],
    )
    def test_the_nearest_price_with_the_ending(self, amount: str, ending: str, expected: str) -> None:
        assert round_to_ending(D(amount), D(ending)) == D(expected)

    @pytest.mark.parametrize(
        ("amount", "expected"), [("12.345", "12.35"), ("12.344", "12.34"), ("7", "7.00")]
    )
    def test_without_an_ending_half_up_to_the_cent(self, amount: str, expected: str) -> None:
        assert str(round_to_ending(D(amount), None)) == expected


class TestApply:
    def test_the_identity_rule_in_the_same_currency_keeps_the_price(self) -> None:
        quote = apply(D("35.00"), Rule(), EUR, EUR)
        assert (quote.amount, quote.currency, quote.rate, quote.rate_date, quote.rate_source) == (
            D("35.00"),
            "EUR",
            D("1"),
            None,
            None,
        )

    def test_converted_first_then_the_rule_then_the_rounding(self) -> None:
        # 35 EUR = 30.142 GBP; x 1.10 = 33.1562; + 2 GBP = 35.1562; nearest .99 = 34.99
        quote = apply(D("35.00"), Rule(D("1.10"), D("2.00"), D("0.99")), EUR, GBP)
        assert (quote.amount, quote.currency) == (D("34.99"), "GBP")
        assert (quote.rate, quote.rate_date, quote.rate_source) == (
            D("0.86120000"),
            date(2026, 11, 30),
            "ecb",
        )

    def test_between_two_non_euro_currencies_the_cross_rate_and_the_older_date(self) -> None:
        quote = apply(D("100.00"), Rule(), GBP, PLN)
        assert quote.amount == D("497.10")  # 100 / 0.8612 * 4.281 = 497.097…
        assert quote.rate == D("4.97097074")
        assert (quote.rate_date, quote.rate_source) == (date(2026, 11, 27), "ecb+manual")

    def test_a_negative_fixed_amount_cannot_make_a_negative_price(self) -> None:
        assert apply(D("1.00"), Rule(fixed_amount=D("-5")), EUR, EUR).amount == D("0.00")


class TestListingCurrency:
    @pytest.mark.parametrize(
        ("marketplace", "site", "expected"),
        [
            ("ebay", "EBAY_GB", "GBP"),
            ("ebay", "EBAY_PL", "PLN"),
            ("ebay", "EBAY_FR", "EUR"),
            ("ebay", "EBAY_DE", "EUR"),
            ("vinted", "", "SEK"),  # the product's own
        ],
    )
    def test_ebay_sites_have_their_currency(self, marketplace: str, site: str, expected: str) -> None:
        assert listing_currency(marketplace, site, "SEK") == expected
