"""The message catalogues: every language says every sentence with the same placeholders, and an unknown
language or key falls back to English."""

from __future__ import annotations

import string
import uuid
from datetime import UTC, datetime

import pytest
from notification_service.feed.draft import Draft
from notification_service.mail import templates
from notification_service.mail.catalogue import DEFAULT, Language, catalogue, language_of, say
from vitrine_contracts.notifications import FeedKind

pytestmark = pytest.mark.unit


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class TestCatalogues:
    @pytest.mark.parametrize("language", list(Language))
    def test_every_language_has_every_sentence_with_the_same_placeholders(self, language: Language) -> None:
        english, other = catalogue(DEFAULT), catalogue(language)
        assert set(other) == set(english)
        for key, text in english.items():
            assert placeholders(other[key]) == placeholders(text), key
            assert other[key].strip(), key

    def test_every_mailed_kind_has_a_subject_and_a_sentence(self) -> None:
        for kind in templates.WORDED:
            assert f"subject.{kind.value}" in catalogue(DEFAULT)
            assert f"body.{kind.value}" in catalogue(DEFAULT)


class TestFallback:
    @pytest.mark.parametrize("code", [None, "", "pt", "xx-YY", "english"])
    def test_a_language_we_do_not_have_is_english(self, code: str | None) -> None:
        assert language_of(code) is Language.EN

    def test_codes_are_read_loosely(self) -> None:
        assert language_of(" FR ") is Language.FR

    def test_a_kind_without_words_keeps_the_feeds_sentence(self) -> None:
        draft = Draft(
            kind=FeedKind.IMPORT_PROGRESS,
            text="Importing from eBay: 3 of 10 listings",
            occurred_at=datetime.now(UTC),
            event_id=uuid.uuid4(),
        )
        assert templates.lines_of(draft, Language.DE) == ["Importing from eBay: 3 of 10 listings."]
        assert templates.subject_of(FeedKind.IMPORT_PROGRESS, Language.DE) == say(
            Language.DE, "subject.default"
        )


class TestSentences:
    def test_a_titled_failure_names_the_item_the_marketplace_and_the_reason(self) -> None:
        data = {
            "title": "Robe en lin",
            "marketplace": "vinted",
            "reason": "Photo trop petite.",
            "action": "list",
        }
        lines = templates.sentences(FeedKind.PUBLICATION_FAILED, data, "", Language.FR)
        assert lines == ["Mise en ligne impossible sur Vinted : “Robe en lin”.", "Motif : Photo trop petite."]

    def test_a_plan_ending_gives_its_date(self) -> None:
        data = {
            "plan": "pro",
            "status": "active",
            "cancel_at_period_end": True,
            "period_end": "2027-01-31T00:00:00+00:00",
        }
        assert templates.sentences(FeedKind.PLAN_CHANGED, data, "", Language.ES) == [
            "Tu plan Pro termina el 2027-01-31."
        ]

    def test_a_payment_gives_its_amount_in_units(self) -> None:
        data = {"plan": "starter", "amount_due": 1900, "currency": "eur"}
        assert templates.sentences(FeedKind.PAYMENT_FAILED, data, "", Language.DE) == [
            "Die Zahlung von 19.00 EUR für Ihren Tarif Starter ist fehlgeschlagen: Aktualisieren Sie Ihre Karte."
        ]

    def test_a_digest_subject_counts_in_the_language(self) -> None:
        assert templates.digest_subject(1, Language.FR) == "Votre récapitulatif Vitrine : 1 nouveauté"
        assert templates.digest_subject(3, Language.EN) == "Your Vitrine digest: 3 updates"
