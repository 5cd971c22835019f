"""The mails' words in each language, from the message catalogues in ``messages/<language>.json``.

A key missing from a language (or a language that is not one of ours) falls back to English, so a mail is
always complete. Placeholders are ``{name}``; the English catalogue is the list of keys.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any


class Language(StrEnum):
    """The languages a seller can choose in their profile (ISO 639-1)."""

    FR = "fr"
    EN = "en"
    DE = "de"
    IT = "it"
    ES = "es"


DEFAULT = Language.EN


def language_of(code: str | None) -> Language:
    """The language of ``code``; English for one we have no words for (or none)."""
    try:
        return Language((code or "").strip().lower())
    except ValueError:
        return DEFAULT


@cache
def catalogue(language: Language) -> dict[str, str]:
    text = resources.files("notification_service.mail").joinpath(f"messages/{language.value}.json")
    loaded: dict[str, str] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


def has(language: Language, key: str) -> bool:
    return key in catalogue(language) or key in catalogue(DEFAULT)


def say(language: Language, key: str, **args: Any) -> str:
    """The sentence ``key`` in ``language`` (English when that language lacks it), its placeholders filled."""
    template = catalogue(language).get(key) or catalogue(DEFAULT)[key]
    return template.format(**args)
