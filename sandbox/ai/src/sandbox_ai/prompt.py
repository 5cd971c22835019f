"""What the sandbox reads in the prompt: the test hints and the facts the caller states.

- ``SANDBOX_HINTS:`` followed by a JSON object: values forced for properties of the same name.
- Facts: every JSON object in the text (flattened: ``{"attributes": {"brand": "X"}}`` gives ``brand``) and
  ``Key: value`` lines. They fill properties of the same name and make titles and descriptions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

HINTS_MARKER = "SANDBOX_HINTS:"
# ``Key: value`` lines with these keys are instructions about the output, not facts about the item.
_NOT_FACTS = {"title", "description", "summary", "tags", "keywords", "json", "format", "output", "return",
              "rules", "note", "notes", "important", "task", "instructions", "example", "schema"}  # fmt: skip
_KEY_LINE = re.compile(r"^\s*(?:[-*•]\s*)?([A-Za-z][A-Za-z0-9 _/-]{0,30}?)\s*[:=]\s*(.{1,120}?)\s*$")


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


def _flatten(obj: dict[str, Any], into: dict[str, Any], names: dict[str, str]) -> None:
    for name, value in obj.items():
        if isinstance(value, dict):
            _flatten(value, into, names)
            continue
        k = key(str(name))
        if k and k not in into and value not in (None, ""):
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
    for line in text.splitlines():
        if HINTS_MARKER in line or "{" in line or "}" in line:
            continue
        match = _KEY_LINE.match(line)
        if match:
            k = key(match.group(1))
            if k and k not in out.facts and k not in _NOT_FACTS:
                out.facts[k] = match.group(2).strip().strip('"').rstrip(".")
                out.fact_names[k] = match.group(1).strip()
    return out
