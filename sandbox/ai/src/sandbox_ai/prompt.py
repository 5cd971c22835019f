"""What the sandbox reads in the prompt: the test hints and the facts the caller states.

- ``SANDBOX_HINTS:`` followed by a JSON object: values forced for properties of the same name.
- Facts: every JSON object in the text (flattened: ``{"attributes": {"brand": "X"}}`` gives ``brand``).
  They fill properties of the same name and make titles and descriptions. JSON Schemas and placeholder
  values (``"string"``, ``"<brand>"``, ``"..."``) quoted in the prompt are not facts. Free text is not read
  for facts: instructions such as "brand: the brand if visible, else null" would be taken for values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

HINTS_MARKER = "SANDBOX_HINTS:"
_SCHEMA_KEYS = {"properties", "$defs", "$schema", "$ref", "anyOf", "oneOf", "allOf"}
_PLACEHOLDERS = re.compile(
    r"^(<.*>|\.\.\.|…|string|number|integer|int|float|boolean|bool|null|none|n/a|"
    r"(string|number|integer)\s*(\||or)\s*null|str|array|object)$",
    re.IGNORECASE,
)


def key(name: str) -> str:
    """Names compared without case or separators: ``primary_colour`` = ``PrimaryColour``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass
class PromptFacts:
    text: str
    hints: dict[str, Any] = field(default_factory=dict)  # key(name) -> value
    facts: dict[str, Any] = field(default_factory=dict)  # key(name) -> value
    fact_names: dict[str, str] = field(default_factory=dict)  # key(name) -> name as written
    derived: set[str] = field(default_factory=set)  # facts from the answer itself, not from the prompt

    def hint(self, name: str) -> tuple[bool, Any]:
        k = key(name)
        return (True, self.hints[k]) if k in self.hints else (False, None)

    def with_facts(self, extra: dict[str, Any]) -> PromptFacts:
        """A copy knowing ``extra`` too (the prompt's own facts win)."""
        facts = {key(k): v for k, v in extra.items()}
        names = {key(k): k for k in extra}
        derived = self.derived | {k for k in facts if k not in self.facts}
        return PromptFacts(
            self.text, self.hints, {**facts, **self.facts}, {**names, **self.fact_names}, derived
        )

    def fact(self, *names: str) -> Any:
        for name in names:
            value = self.facts.get(key(name))
            if value not in (None, "", []):
                return value
        return None


def _json_objects(text: str) -> list[tuple[int, int, dict[str, Any]]]:
    """Every top-level JSON object in ``text`` as (start, end, object)."""
    decoder = json.JSONDecoder()
    found: list[tuple[int, int, dict[str, Any]]] = []
    i = text.find("{")
    while i != -1:
        try:
            value, end = decoder.raw_decode(text, i)
        except ValueError:
            i = text.find("{", i + 1)
            continue
        if isinstance(value, dict):
            found.append((i, end, value))
            i = text.find("{", end)
        else:
            i = text.find("{", i + 1)
    return found


def _is_schema(obj: dict[str, Any]) -> bool:
    kind = obj.get("type")
    return bool(_SCHEMA_KEYS & obj.keys()) or (isinstance(kind, str) and kind.lower() in ("object", "array"))


def _placeholder(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_PLACEHOLDERS.match(value.strip()))
    if isinstance(value, list):
        return any(isinstance(v, dict | list) or _placeholder(v) for v in value)
    return False


def _flatten(obj: dict[str, Any], into: dict[str, Any], names: dict[str, str]) -> None:
    if _is_schema(obj):
        return
    for name, value in obj.items():
        if isinstance(value, dict):
            _flatten(value, into, names)
            continue
        k = key(str(name))
        if k and k not in into and value not in (None, "", []) and not _placeholder(value):
            into[k] = value
            names[k] = str(name)


def read(text: str) -> PromptFacts:
    out = PromptFacts(text=text)
    hints_at = text.find(HINTS_MARKER)
    hint_span = (-1, -1)
    if hints_at != -1:
        start = text.find("{", hints_at)
        if start != -1:
            try:
                value, end = json.JSONDecoder().raw_decode(text, start)
            except ValueError:
                value, end = None, start
            if isinstance(value, dict):
                out.hints = {key(str(k)): v for k, v in value.items()}
                hint_span = (start, end)
    for start, end, obj in _json_objects(text):
        if (start, end) == hint_span:
            continue
        _flatten(obj, out.facts, out.fact_names)
    return out
