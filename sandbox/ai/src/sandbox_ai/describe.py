"""Plain text from known facts: titles, descriptions and tags a reseller could publish.

Only facts the caller gave (the prompt's attributes) or the sandbox measured (colours) are used; nothing is
invented. Lengths are respected by dropping the least important parts first, then cutting at a word.
"""

from __future__ import annotations

from typing import Any

from sandbox_ai.prompt import PromptFacts, key

NOUN_KEYS = (
    "category",
    "subcategory",
    "item_type",
    "product_type",
    "type",
    "garment",
    "item",
    "product",
    "kind",
)
USED_KEYS = {key(k) for k in (*NOUN_KEYS, "brand", "colour", "color", "colours", "colors", "primary_colour",
             "primary_color", "material", "fabric", "size", "condition", "gender", "department", "title",
             "description", "tags")}  # fmt: skip
ID_LIKE = ("id", "uuid", "sku", "url", "uri", "image", "photo", "price", "currency", "language", "locale")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v not in (None, ""))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip() if value is not None else ""


def cut(text: str, max_len: int | None) -> str:
    """``text`` at most ``max_len`` characters, cut after a whole word when there is one."""
    if max_len is None or len(text) <= max_len:
        return text
    if max_len <= 0:
        return ""
    head = text[:max_len]
    if len(text) > max_len and text[max_len] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-\u2013")


def fit(text: str, min_len: int | None, max_len: int | None, filler: list[str]) -> str:
    """``text`` padded with ``filler`` words up to ``min_len`` and cut to ``max_len``."""
    words = [w for w in filler if w] or ["item"]
    i = 0
    while min_len is not None and len(text) < min_len:
        text = f"{text} {words[i % len(words)]}".strip()
        i += 1
    if max_len is not None and len(text) > max_len:
        text = cut(text, max_len)
        if min_len is not None and len(text) < min_len:
            text = text.ljust(min_len, ".")[:max_len]
    return text


class Writer:
    """Titles, descriptions and tags from the prompt's facts and the photos' colour."""

    def __init__(self, prompt: PromptFacts, colour: str | None) -> None:
        self.prompt = prompt
        self.colour = _text(
            prompt.fact("colour", "color", "primary_colour", "primary_color", "colours", "colors")
        )
        self.colour = self.colour or (colour or "")
        self.brand = _text(prompt.fact("brand", "brand_name", "designer", "label"))
        self.material = _text(prompt.fact("material", "fabric", "materials"))
        self.noun = _text(prompt.fact(*NOUN_KEYS))
        self.size = _text(prompt.fact("size", "size_label"))
        self.condition = _text(prompt.fact("condition", "state"))
        self.gender = _text(prompt.fact("gender", "department"))

    def title(self, max_len: int | None = None) -> str:
        noun = (self.noun or "item").lower()
        gender = self.gender.lower()
        gender = {"women": "women's", "men": "men's", "woman": "women's", "man": "men's"}.get(gender, gender)
        attempts = [
            [self.brand, gender, self.colour.lower(), self.material.lower(), noun],
            [self.brand, self.colour.lower(), self.material.lower(), noun],
            [self.brand, self.colour.lower(), noun],
            [self.brand, noun],
        ]
        for with_size in (True, False):
            for parts in attempts:
                text = " ".join(p for p in parts if p)
                text = text[:1].upper() + text[1:]
                if with_size and self.size:
                    text = f"{text}, size {self.size}"
                if max_len is None or len(text) <= max_len:
                    return text
        return cut(text, max_len)

    def sentences(self) -> list[str]:
        noun = (self.noun or "item").lower()
        what = " ".join(p for p in (self.colour.lower(), self.material.lower()) if p)
        lead = f"{self.brand} {noun}" if self.brand else noun[:1].upper() + noun[1:]
        out = [f"{lead} in {what}." if what else f"{lead}."]
        if self.size:
            out.append(f"Size {self.size}.")
        if self.condition:
            out.append(f"Condition: {self.condition.lower()}.")
        for k, value in self.prompt.facts.items():
            if k in USED_KEYS or k in self.prompt.derived or k in self.prompt.hints:
                continue
            if any(word in k for word in ID_LIKE):
                continue
            text = _text(value)
            if text and len(text) <= 60 and not isinstance(value, dict):
                label = self.prompt.fact_names.get(k, k).replace("_", " ").strip()
                out.append(f"{label[:1].upper()}{label[1:]}: {text}.")
        out.append("See the photos for details.")
        return out

    def description(self, max_len: int | None = None, min_len: int | None = None) -> str:
        kept: list[str] = []
        for sentence in self.sentences():
            candidate = " ".join([*kept, sentence])
            if max_len is not None and len(candidate) > max_len:
                break
            kept.append(sentence)
        text = " ".join(kept) or cut(self.sentences()[0], max_len)
        return fit(text, min_len, max_len, self.sentences())

    def tags(self) -> list[str]:
        raw = [self.brand, self.noun, self.colour, self.material, self.gender]
        style = _text(self.prompt.fact("style", "pattern"))
        raw.append(style)
        tags = [t.strip().lower() for t in ", ".join(r for r in raw if r).split(",")]
        tags = [t for t in dict.fromkeys(tags) if t]
        return [
            *tags,
            *[t for t in ("preloved", "secondhand", "fashion", "wardrobe", "style") if t not in tags],
        ]
