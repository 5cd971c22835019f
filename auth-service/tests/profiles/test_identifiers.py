from __future__ import annotations

import pytest
from auth_service.profiles.identifiers import COUNTRIES, luhn_valid, normalise_vat, siret_problem, vat_problem

pytestmark = pytest.mark.unit


class TestCountries:
    def test_the_assigned_codes_and_nothing_else(self) -> None:
        assert len(COUNTRIES) == 249
        assert {"FR", "DE", "GB", "GR", "US", "AX", "SS", "XK"} & COUNTRIES == {
            "FR",
            "DE",
            "GB",
            "GR",
            "US",
            "AX",
            "SS",
        }
        assert "EL" not in COUNTRIES
        assert "UK" not in COUNTRIES


class TestVatNumbers:
    @pytest.mark.parametrize(
        ("vat", "country"),
        [
            ("FR40303265045", "FR"),
            ("FRK7399859412", "FR"),
            ("DE136695976", "DE"),
            ("IT00743110157", "IT"),
            ("ESA28015865", "ES"),
            ("ESX1234567L", "ES"),
            ("NL004495445B01", "NL"),
            ("BE0411905847", "BE"),
            ("ATU13585627", "AT"),
            ("EL094259216", "GR"),
            ("IE6388047V", "IE"),
            ("IE1234567WA", "IE"),
            ("SE556188840401", "SE"),
            ("XI123456789", "GB"),
        ],
    )
    def test_formats_of_each_member_state(self, vat: str, country: str) -> None:
        assert vat_problem(vat, country) is None
        assert vat_problem(vat, None) is None

    @pytest.mark.parametrize(
        ("vat", "why"),
        [
            ("FR4030326504", "format"),  # a digit short
            ("FRI0303265045", "format"),  # I is not used in the key
            ("DE13669597", "format"),
            ("NL004495445A01", "format"),
            ("ATU1358562", "format"),
            ("GR094259216", "prefix"),  # Greece's VAT prefix is EL
            ("GB123456789", "prefix"),  # not EU since 2021
            ("US123456789", "prefix"),
        ],
    )
    def test_wrong_formats_and_prefixes(self, vat: str, why: str) -> None:
        problem = vat_problem(vat, None)
        assert problem is not None
        assert ("EU member state" in problem) == (why == "prefix")

    def test_the_prefix_must_be_the_sellers_country(self) -> None:
        assert vat_problem("DE136695976", "FR") == "is a DE VAT number, not one of the seller's country (FR)"
        assert vat_problem("EL094259216", "GR") is None

    def test_typed_forms_are_compacted(self) -> None:
        assert normalise_vat(" fr 40-303.265 045 ") == "FR40303265045"


class TestSiret:
    def test_luhn(self) -> None:
        assert luhn_valid("79927398713")
        assert not luhn_valid("79927398710")

    @pytest.mark.parametrize("siret", ["73282932000074", "55208131766522", "44306184100047"])
    def test_valid_numbers(self, siret: str) -> None:
        assert siret_problem(siret) is None

    @pytest.mark.parametrize(
        ("siret", "message"),
        [
            ("73282932000075", "check digit"),
            ("7328293200007", "14 digits"),
            ("732829320000744", "14 digits"),
            ("7328293200007A", "14 digits"),
        ],
    )
    def test_invalid_numbers(self, siret: str, message: str) -> None:
        problem = siret_problem(siret)
        assert problem is not None
        assert message in problem

    def test_la_poste_establishments_sum_to_a_multiple_of_five(self) -> None:
        assert not luhn_valid("35600000000010")
        assert siret_problem("35600000000010") is None
        assert siret_problem("35600000000011") is not None
