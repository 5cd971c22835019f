"""Answers that conform to the requested schema, derived from the request and nothing else.

The seed is the SHA-256 of the images' bytes (of the prompt's text when there is no image): every choice
made by hash (an enum value, a number in range, a boolean) hashes the seed with the property's path, so
the same request gets the same answer. Measured facts win over hashing: colour properties get the photos'
dominant colours (the nearest enum value), ``width``/``height``/``brightness`` their measures, and
``confidence``-like numbers a value in 0.5..0.99. Hints (``SANDBOX_HINTS:``) win over everything.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox_ai.colours import colour_distance, is_multi, nearest_name, normalise, rgb_of
from sandbox_ai.describe import Writer, cut, fit
from sandbox_ai.images import ImageFacts, Swatch
from sandbox_ai.prompt import PromptFacts, key
from sandbox_ai.schema import resolve, types_of

COLOUR_WORDS = ("colour", "color", "couleur", "farbe", "colore")
TITLE_WORDS = {"title", "name", "headline", "heading", "listingtitle", "producttitle", "seotitle"}
TEXT_WORDS = ("description", "summary", "caption", "details", "blurb", "body", "text", "copy")
UNKNOWABLE = ("brand", "model", "sku", "serial", "isbn", "barcode", "gtin", "ean", "upc", "mpn", "designer")
TAG_WORDS = ("tag", "keyword", "hashtag", "searchterm")
NOTHING_WORDS = ("defect", "flaw", "damage", "issue", "warning", "stain", "error")
SIZES = ["XS", "S", "M", "L", "XL"]
MATERIALS = ["cotton", "polyester", "wool", "denim", "leather", "linen", "viscose"]
CATEGORIES = ["top", "jacket", "dress", "trousers", "knitwear", "skirt", "shoes", "bag"]
CONDITIONS = ["new with tags", "very good", "good", "satisfactory"]


def is_colour(name: str | None) -> bool:
    k = key(name or "")
    return any(word in k for word in COLOUR_WORDS)


def is_text(name: str | None) -> bool:
    """Free text written from the other facts: titles, descriptions, tags."""
    k = key(name or "")
    return (
        k in TITLE_WORDS
        or k.endswith("title")
        or any(word in k for word in TEXT_WORDS)
        or any(word in k for word in TAG_WORDS)
    )


def is_confidence(name: str | None) -> bool:
    k = key(name or "")
    return "confidence" in k or "certainty" in k or k.endswith("probability")


@dataclass
class Seen:
    """What a request shows: its photos (measured) and its text (read)."""

    images: list[ImageFacts]
    prompt: PromptFacts
    seed: bytes = b""
    swatches: list[Swatch] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.seed:
            source = b"".join(bytes.fromhex(i.sha256) for i in self.images) or self.prompt.text.encode()
            self.seed = hashlib.sha256(source).digest()
        if not self.swatches and self.images:
            merged: dict[str, tuple[Swatch, float]] = {}
            for image in self.images:
                for swatch in image.colours:
                    first, share = merged.get(swatch.name, (swatch, 0.0))
                    merged[swatch.name] = (first, share + swatch.share / len(self.images))
            self.swatches = sorted(
                (Swatch(s.name, s.rgb, round(share, 4)) for s, share in merged.values()),
                key=lambda s: (-s.share, s.name),
            )

    @property
    def colour(self) -> str | None:
        return self.swatches[0].name if self.swatches else None

    def writer(self) -> Writer:
        return Writer(self.prompt, self.colour)


class Composer:
    """Builds a value for a (normalised) schema; ``root`` resolves ``$ref``."""

    def __init__(self, seen: Seen, root: dict[str, Any]) -> None:
        self.seen = seen
        self.root = root
        self.writer = seen.writer()

    # -- deterministic choices -------------------------------------------------------------------------
    def _hash(self, path: str) -> int:
        return int.from_bytes(hashlib.sha256(self.seen.seed + path.encode()).digest()[:8], "big")

    def _frac(self, path: str) -> float:
        return self._hash(path) / 2**64

    # -- entry points ----------------------------------------------------------------------------------
    def compose(self) -> Any:
        return self.value(self.root, "", None, 0)

    def value(self, node: Any, path: str, name: str | None, depth: int) -> Any:
        """The value of property ``name`` at ``path``; a hint for ``name`` wins."""
        if name is not None:
            found, hinted = self.seen.prompt.hint(name)
            if found:
                return hinted
        return self._value(node, path, name, depth)

    def _value(self, node: Any, path: str, name: str | None, depth: int) -> Any:
        node = resolve(node, self.root)
        if "const" in node:
            return node["const"]
        branches = node.get("anyOf") or node.get("oneOf")
        if isinstance(branches, list) and branches:
            options = [resolve(b, self.root) for b in branches]
            real = [o for o in options if types_of(o) != ["null"]]
            nullable = len(real) < len(options) or "null" in types_of(node)
            if not real or (nullable and self._prefer_null(name)):
                return None
            rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf", "nullable")}
            if rest.get("type") == "null" or rest.get("type") == ["null"]:
                rest.pop("type")
            return self._value({**rest, **real[0]}, path, name, depth + 1)
        kinds = types_of(node)
        if "null" in kinds and self._prefer_null(name):
            return None
        concrete = [k for k in kinds if k != "null"]
        enum = [v for v in node.get("enum") or [] if v is not None]
        if enum:
            return self.enum_choice(enum, path, name)
        if "enum" in node and "null" in kinds:
            return None
        kind = concrete[0] if concrete else ("null" if kinds == ["null"] else "string")
        if depth > 10:
            return self._minimal(kind, node)
        if kind == "object":
            return self.object_value(node, path, depth)
        if kind == "array":
            return self.array_value(node, path, name, depth)
        if kind in ("integer", "number"):
            return self.number_value(node, path, name, integer=kind == "integer")
        if kind == "boolean":
            return self.boolean_value(path, name)
        if kind == "null":
            return None
        return self.string_value(node, path, name)

    def _minimal(self, kind: str, node: dict[str, Any]) -> Any:
        """Deep recursion: the smallest valid value."""
        if kind == "object":
            return {}
        if kind == "array":
            return []
        if kind in ("integer", "number"):
            return self.number_value(node, "", None, integer=kind == "integer")
        if kind == "boolean":
            return False
        return fit("", node.get("minLength"), node.get("maxLength"), ["item"])

    def _prefer_null(self, name: str | None) -> bool:
        """Nullable things one cannot see in a photo (a brand, a model) stay null unless the prompt says."""
        k = key(name or "")
        return any(word in k for word in UNKNOWABLE) and self.seen.prompt.fact(name or "") is None

    # -- objects and arrays ----------------------------------------------------------------------------
    def object_value(self, node: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        """Properties in order; texts (title, description, tags) last, so they can use their siblings'
        values: a title names the category and colour chosen for the same object."""
        props: dict[str, Any] = node.get("properties") or {}
        order = [n for n in node.get("propertyOrdering") or [] if n in props]
        names = order + [n for n in props if n not in order]
        texts = [n for n in names if is_text(n)]
        values: dict[str, Any] = {}
        for n in names:
            if n not in texts:
                values[n] = self.value(props[n], f"{path}.{n}" if path else n, n, depth + 1)
        if texts:
            outer = self.writer
            siblings = {
                n: v for n, v in values.items() if isinstance(v, str | int | float | list) and v != []
            }
            self.writer = Writer(self.seen.prompt.with_facts(siblings), self.seen.colour)
            try:
                for n in texts:
                    values[n] = self.value(props[n], f"{path}.{n}" if path else n, n, depth + 1)
            finally:
                self.writer = outer
        return {n: values[n] for n in names}

    def _length(self, node: dict[str, Any], name: str | None, natural: int) -> int:
        low = int(node.get("minItems") or 0)
        high = node.get("maxItems")
        n = max(natural, low)
        return min(n, int(high)) if high is not None else n

    def array_value(self, node: dict[str, Any], path: str, name: str | None, depth: int) -> list[Any]:
        k = key(name or "")
        prefix = node.get("prefixItems") or []
        items = resolve(node.get("items"), self.root) if isinstance(node.get("items"), dict) else {}
        item_enum = [v for v in items.get("enum") or [] if v is not None]
        item_kinds = types_of(items)
        if any(word in k for word in NOTHING_WORDS):
            natural = 0
        elif is_colour(name):
            natural = max(1, sum(1 for s in self.seen.swatches if s.share >= 0.15))
        elif any(word in k for word in TAG_WORDS):
            natural = 5
        else:
            natural = 2 if depth <= 2 else 1 if depth <= 4 else 0  # recursive schemas stay small
        if item_enum:
            natural = min(natural, len(item_enum)) if not node.get("minItems") else natural
        n = self._length(node, name, max(natural, len(prefix)))
        out: list[Any] = []
        for i, sub in enumerate(prefix[:n]):
            out.append(self._value(sub, f"{path}[{i}]", name, depth + 1))
        if item_enum:
            out.extend(self.enum_many(item_enum, n - len(out), path, name, unique=True))
        elif "string" in item_kinds and is_colour(name) and self.seen.swatches:
            names = [s.name for s in self.seen.swatches]
            out.extend(names[: n - len(out)])
        elif "string" in item_kinds and any(word in k for word in TAG_WORDS):
            limit = items.get("maxLength")
            tags = self.writer.tags()
            fitting = [t for t in tags if not isinstance(limit, int) or len(t) <= limit]
            out.extend((fitting or [cut(t, limit) for t in tags])[: n - len(out)])
        while len(out) < n:
            i = len(out)
            out.append(self._value(items, f"{path}[{i}]", name, depth + 1))
        if node.get("uniqueItems"):
            out = self._unique(out, n)
        return out

    def _unique(self, values: list[Any], n: int) -> list[Any]:
        seen: list[Any] = []
        for v in values:
            if v not in seen:
                seen.append(v)
        i = 2
        while len(seen) < n and values and isinstance(values[0], str):
            candidate = f"{values[0]} {i}"
            if candidate not in seen:
                seen.append(candidate)
            i += 1
        return seen if len(seen) >= n or not values or not isinstance(values[0], str) else values

    # -- enums -----------------------------------------------------------------------------------------
    def _fact_in(self, values: list[Any], name: str | None) -> Any:
        fact = self.seen.prompt.fact(name or "") if name else None
        candidates = fact if isinstance(fact, list) else [fact]
        for c in candidates:
            if c is None:
                continue
            for v in values:
                if normalise(str(v)) == normalise(str(c)):
                    return v
        return None

    def _colour_choices(self, values: list[Any]) -> list[Any]:
        """Enum values for the photos' colours, largest share first (a multi-colour value when many)."""
        named = [(v, rgb_of(str(v))) for v in values]
        known = [(v, rgb) for v, rgb in named if rgb is not None]
        out: list[Any] = []
        multi = [v for v in values if is_multi(str(v))]
        big = [s for s in self.seen.swatches if s.share >= 0.15]
        if multi and len({s.name for s in big}) >= 3:
            out.append(multi[0])
        if known:
            for swatch in self.seen.swatches:
                best = min(known, key=lambda vr: (colour_distance(swatch.rgb, vr[1]), str(vr[0])))[0]
                if best not in out:
                    out.append(best)
        return out

    def enum_choice(self, values: list[Any], path: str, name: str | None) -> Any:
        fact = self._fact_in(values, name)
        if fact is not None:
            return fact
        if is_colour(name) and self.seen.swatches:
            choices = self._colour_choices(values)
            if choices:
                return choices[0]
        return values[self._hash(path) % len(values)]

    def enum_many(self, values: list[Any], n: int, path: str, name: str | None, unique: bool) -> list[Any]:
        if n <= 0:
            return []
        chosen: list[Any] = []
        fact = self.seen.prompt.fact(name or "") if name else None
        for item in fact if isinstance(fact, list) else [fact] if fact is not None else []:
            hit = self._fact_in(values, name) if not isinstance(fact, list) else None
            for v in values if hit is None else [hit]:
                if normalise(str(v)) == normalise(str(item)) and v not in chosen:
                    chosen.append(v)
        if is_colour(name) and self.seen.swatches:
            for v in self._colour_choices(values):
                if v not in chosen:
                    chosen.append(v)
        ordered = sorted(values, key=lambda v: self._hash(f"{path}|{v!r}"))
        for v in ordered:
            if len(chosen) >= n:
                break
            if v not in chosen:
                chosen.append(v)
        i = 0
        while len(chosen) < n:  # more items than distinct values: repeats (only when not unique)
            chosen.append(ordered[i % len(ordered)])
            i += 1
        return chosen[:n]

    # -- scalars ---------------------------------------------------------------------------------------
    def number_value(self, node: dict[str, Any], path: str, name: str | None, integer: bool) -> int | float:
        lo, hi = node.get("minimum"), node.get("maximum")
        ex_lo, ex_hi = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
        if isinstance(ex_lo, bool):  # draft 4: a flag on minimum
            ex_lo = lo if ex_lo else None
            lo = None if ex_lo is not None else lo
        if isinstance(ex_hi, bool):
            ex_hi = hi if ex_hi else None
            hi = None if ex_hi is not None else hi
        low = lo if isinstance(lo, int | float) else None
        high = hi if isinstance(hi, int | float) else None
        step = 1.0 if integer else 0.01
        if isinstance(ex_lo, int | float):
            low = max(low, ex_lo + step) if low is not None else ex_lo + step
        if isinstance(ex_hi, int | float):
            high = min(high, ex_hi - step) if high is not None else ex_hi - step
        if integer:
            low = math.ceil(low) if low is not None else None
            high = math.floor(high) if high is not None else None
        target = self._number_target(path, name, low, high, integer)
        if low is not None:
            target = max(target, low)
        if high is not None:
            target = min(target, high)
        multiple = node.get("multipleOf")
        if isinstance(multiple, int | float) and multiple > 0:
            snapped = round(target / multiple) * multiple
            if low is not None and snapped < low:
                snapped = math.ceil(low / multiple) * multiple
            if high is not None and snapped > high:
                snapped = math.floor(high / multiple) * multiple
            target = round(snapped, 10)
        if integer:
            return round(target)
        return round(float(target), 4)

    def _number_target(
        self, path: str, name: str | None, low: float | None, high: float | None, integer: bool
    ) -> float:
        k = key(name or "")
        frac = self._frac(path or "value")
        images = self.seen.images
        if is_confidence(name):
            value = round(0.5 + 0.49 * frac, 2)
            return value * 100 if high is not None and high > 1 else value
        sized = k in ("width", "height") or any(w in k for w in ("image", "photo", "pixel", "px"))
        if images and ("width" in k or "height" in k) and sized:
            return float(images[0].width if "width" in k else images[0].height)
        if images and "brightness" in k:
            b = sum(i.brightness for i in images) / len(images)
            if high is not None and high <= 1:
                return round(b / 255, 3)
            if high is not None and high <= 100:
                return round(b / 2.55, 1)
            return round(b, 1)
        if ("image" in k or "photo" in k) and "count" in k:
            return float(len(images))
        fact = self.seen.prompt.fact(name or "") if name else None
        try:
            if fact is not None and not isinstance(fact, bool | list | dict):
                return float(str(fact).replace(",", "."))
        except ValueError:
            pass
        if any(word in k for word in ("price", "amount", "cost", "value")):
            return float(round(5 + frac * 95))
        if "year" in k and (low is None or high is None):
            return float(1990 + self._hash(path) % 35)
        if any(word in k for word in ("quantity", "count", "number")):
            return 1.0
        if low is not None and high is not None:
            if integer:
                return float(low + self._hash(path) % (int(high - low) + 1))
            return low + (high - low) * frac
        if low is not None:
            return low + (self._hash(path) % 10 if integer else frac * 10)
        if high is not None:
            return high - (self._hash(path) % 10 if integer else frac * 10)
        return float(self._hash(path) % 100) if integer else round(frac * 100, 2)

    def boolean_value(self, path: str, name: str | None) -> bool:
        k = key(name or "")
        images = self.seen.images
        if images and "blur" in k:
            return min(i.sharpness for i in images) < 4.0
        if images and "dark" in k:
            return min(i.brightness for i in images) < 70
        if images and "background" in k:
            bg = images[0].background
            return bg is not None and nearest_name(bg) in ("white", "cream", "silver", "grey")
        fact = self.seen.prompt.fact(name or "") if name else None
        if isinstance(fact, bool):
            return fact
        return bool(self._hash(path or "flag") & 1)

    def string_value(self, node: dict[str, Any], path: str, name: str | None) -> str:
        min_len, max_len = node.get("minLength"), node.get("maxLength")
        text = self._string(node, path, name, max_len if isinstance(max_len, int) else None)
        filler = [w for s in self.writer.sentences() for w in s.split()]
        return fit(text, min_len if isinstance(min_len, int) else None, max_len, filler)

    def _string(self, node: dict[str, Any], path: str, name: str | None, max_len: int | None) -> str:
        fmt = str(node.get("format") or "").lower()
        h = self._hash(path or "text")
        if fmt in ("date-time", "datetime", "date", "time"):
            moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=h % (365 * 86400))
            if fmt == "date":
                return moment.date().isoformat()
            if fmt == "time":
                return moment.strftime("%H:%M:%S")
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "email":
            return f"seller{h % 1000}@example.com"
        if fmt in ("uri", "url", "iri"):
            return f"https://example.com/{h:016x}"
        if fmt == "uuid":
            return str(
                uuid.UUID(bytes=hashlib.sha256(self.seen.seed + path.encode()).digest()[:16], version=4)
            )
        k = key(name or "")
        prompt = self.seen.prompt
        if is_colour(name):
            return self.writer.colour or "multicolour"
        if k in TITLE_WORDS or k.endswith("title"):
            return self.writer.title(max_len)
        if any(word in k for word in TEXT_WORDS):
            return self.writer.description(max_len)
        fact = prompt.fact(name or "") if name else None
        if fact is not None and not isinstance(fact, dict):
            return ", ".join(map(str, fact)) if isinstance(fact, list) else str(fact)
        if "brand" in k or "designer" in k:
            return "Unbranded"
        if "size" in k:
            return SIZES[h % len(SIZES)]
        if "material" in k or "fabric" in k:
            return MATERIALS[h % len(MATERIALS)]
        if "category" in k or k in ("type", "kind", "itemtype", "producttype", "garment"):
            return CATEGORIES[h % len(CATEGORIES)]
        if "condition" in k:
            return CONDITIONS[h % len(CONDITIONS)]
        if k in ("language", "lang", "locale"):
            return "en"
        if "currency" in k:
            return "EUR"
        if any(word in k for word in TAG_WORDS):
            return self.writer.tags()[h % 3]
        if any(
            word in k for word in ("reason", "explanation", "rationale", "note", "comment", "observation")
        ):
            return self.observation()
        if k.endswith("id") or "sku" in k:
            return f"{h:016x}"
        return self.writer.title(max_len)

    def observation(self) -> str:
        """A sentence about what was measured."""
        images = self.seen.images
        if not images:
            return "Based on the text of the request."
        first = images[0]
        colours = ", ".join(s.name for s in self.seen.swatches[:3]) or "no clear colour"
        bg = f" on a {nearest_name(first.background)} background" if first.background else ""
        light = "bright" if first.brightness >= 170 else "dark" if first.brightness < 70 else "evenly lit"
        count = f"{len(images)} photos" if len(images) > 1 else "1 photo"
        return f"Based on {count}: mostly {colours}{bg}, {light}."


def free_text(seen: Seen, max_len: int | None = None) -> str:
    """The answer when no schema is asked for: a title when the prompt asks for one, else a description."""
    writer = seen.writer()
    lowered = seen.prompt.text.lower()
    if "title" in lowered and "description" not in lowered:
        return writer.title(max_len)
    text = writer.description()
    if seen.images:
        text = f"{text} {Composer(seen, {}).observation()}"
    return cut(text, max_len)


def default_json(seen: Seen) -> dict[str, Any]:
    """JSON asked for without a schema: the fields a listing needs."""
    writer = seen.writer()
    out: dict[str, Any] = {"title": writer.title(80), "description": writer.description(500)}
    if seen.swatches:
        out["colours"] = [s.name for s in seen.swatches if s.share >= 0.15] or [seen.swatches[0].name]
    return out
