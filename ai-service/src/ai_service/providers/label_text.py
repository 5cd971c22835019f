"""What a care label's text says, in catalog's codes: brand, size, composition and origin.

Each finding carries a confidence: the OCR's own confidence in the words it rests on, times how well they
matched (1 for an exact catalog name or a size printed with its keyword, less for a spelling one or two
letters off, a size converted from another system, or a composition that does not sum to 100).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ai_service.providers.ocr import Line
from ai_service.reference.catalog import Reference, normalise

SIZE_WORDS = ("size", "taille", "grosse", "groesse", "gr", "taglia", "tg", "talla", "t")
ONE_SIZE = ("one size", "taille unique", "einheitsgrosse", "einheitsgroesse", "taglia unica", "talla unica")
LETTERS = {"xxs": "XXS", "xs": "XS", "s": "S", "m": "M", "l": "L", "xl": "XL", "xxl": "XXL", "2xl": "XXL",
           "xxxl": "3XL", "3xl": "3XL"}  # fmt: skip
# Women's sizes of other systems to EU/FR (IT 42 = UK 10 = US 6 = EU 38); a guess for men's, hence lower.
SYSTEM_OFFSET = {"eu": 0, "fr": 0, "f": 0, "de": 0, "d": 0, "es": 0, "e": 0, "it": -4, "i": -4, "uk": 28,
                 "gb": 28, "us": 32, "usa": 32}  # fmt: skip
CONVERTED = 0.7
MADE_IN = re.compile(
    r"\b(?:made in|fabrique(?:e)? (?:en|au|aux)|hergestellt in|prodotto in|fabbricato in|"
    r"fabricado en|hecho en)\s+(.+)$"
)
PERCENT = re.compile(r"(\d{1,3})\s*%")
# Fibre names seen on labels that catalog's labels do not spell this way.
MATERIAL_EXTRA = {
    "nylon": "polyamide", "polyamid": "polyamide", "spandex": "elastane", "lycra": "elastane",
    "elasthane": "elastane", "elastan": "elastane", "rayon": "viscose", "tencel": "lyocell",
    "poliester": "polyester", "poliestere": "polyester", "algodon": "cotton", "cachemir": "cashmere",
    "wool": "wool", "schurwolle": "wool", "laine vierge": "wool", "lana vergine": "wool",
}  # fmt: skip
ORIGIN_EXTRA = {"usa": "usa", "us": "usa", "uk": "uk", "england": "uk", "great britain": "uk", "gb": "uk"}
FUZZY = 0.8  # the least similarity a misread word may have to a known name


@dataclass(frozen=True)
class Found:
    value: str
    confidence: float
    printed: str = ""


@dataclass
class LabelReading:
    brand: Found | None = None
    size: Found | None = None  # value: a size code of the allowed ones ("" when printed but unmatched)
    materials: list[tuple[str, int | None]] = field(default_factory=list)
    materials_confidence: float = 0.0
    origin: Found | None = None

    @property
    def empty(self) -> bool:
        return not (self.brand or self.size or self.materials or self.origin)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def best_match(text: str, names: dict[str, str], *, min_length: int = 4) -> tuple[str, float] | None:
    """``(code, quality)`` of the name ``text`` is or nearly is: 1 when exact, the similarity otherwise."""
    if text in names:
        return names[text], 1.0
    if len(text) < min_length:
        return None
    scored = [
        (similarity(text, name), code) for name, code in names.items() if abs(len(name) - len(text)) <= 3
    ]
    if not scored:
        return None
    quality, code = max(scored)
    return (code, quality) if quality >= FUZZY else None


class LabelParser:
    """Reads lines of OCR text against catalog's brands, sizes, materials and origins."""

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.brands: dict[str, str] = {}
        for brand in ref.brands.values():
            for name in (brand.name, *brand.aliases):
                self.brands.setdefault(normalise(name), brand.code)
                self.brands.setdefault(normalise(name).replace(" ", ""), brand.code)
        self.materials = self._names("material") | MATERIAL_EXTRA
        self.origins = self._names("origin") | ORIGIN_EXTRA

    def _names(self, type_: str) -> dict[str, str]:
        names: dict[str, str] = {}
        for value in self.ref.values.get(type_, {}).values():
            for label in (value.code, *value.labels.values()):
                names.setdefault(normalise(label), value.code)
        return names

    def read(self, lines: Sequence[Line], sizes: Sequence[str]) -> LabelReading:
        reading = LabelReading()
        used: set[int] = set()
        for n, line in enumerate(lines):
            text = normalise(line.text)
            if not text:
                continue
            origin = self.origin(text, line.confidence) if reading.origin is None else None
            size = (
                None
                if origin or (reading.size and reading.size.value)
                else self.size(text, line.confidence, sizes)
            )
            if origin:
                reading.origin = origin
            elif size and (reading.size is None or size.value):
                reading.size = size
            if origin or size or PERCENT.search(line.text):
                used.add(n)
        reading.materials, reading.materials_confidence = self.composition(lines)
        reading.brand = self.brand([line for n, line in enumerate(lines) if n not in used])
        return reading

    # --- brand -------------------------------------------------------------------------------------------

    def brand(self, lines: Sequence[Line]) -> Found | None:
        """The best brand named by a run of 1-4 words of one line (the label's first lines first)."""
        best: Found | None = None
        for line in lines:
            words = line.words
            for start in range(len(words)):
                for end in range(start + 1, min(len(words), start + 4) + 1):
                    run = words[start:end]
                    key = normalise(" ".join(w.text for w in run))
                    match = best_match(key, self.brands, min_length=5) or best_match(
                        key.replace(" ", ""), self.brands, min_length=5
                    )
                    if match is None:
                        continue
                    code, quality = match
                    ocr = sum(w.confidence for w in run) / len(run)
                    found = Found(code, round(ocr * quality**2, 3), " ".join(w.text for w in run))
                    if best is None or found.confidence > best.confidence:
                        best = found
        return best

    # --- size --------------------------------------------------------------------------------------------

    def size(self, text: str, ocr: float, sizes: Sequence[str]) -> Found | None:
        """A size line: a size keyword (or a short line) and a letter, EU-like, waist or one size."""
        if any(phrase in text for phrase in ONE_SIZE):
            return self._sized("one-size:one-size", ocr, text, sizes)
        tokens = text.split()
        if not tokens or len(tokens) > 5:
            return None
        keyword = max((similarity(tokens[0], w) for w in SIZE_WORDS if len(w) > 2), default=0.0)
        quality = 1.0 if tokens[0] in SIZE_WORDS else (0.85 if keyword >= 0.6 else 0.0)
        rest = tokens[1:] if quality else tokens
        if not quality:
            if len(tokens) > 2 or not (
                tokens[0] in LETTERS or re.fullmatch(r"w\d{2}", tokens[0]) or tokens[0] in SYSTEM_OFFSET
            ):
                return None
            quality = 0.5  # a short line with a size on it and no keyword: probably the size
        found = self._size_tokens(rest)
        if found is None:
            return None
        code, factor = found
        return self._sized(code, ocr * quality * factor, " ".join(rest).upper(), sizes)

    @staticmethod
    def _size_tokens(tokens: Sequence[str]) -> tuple[str, float] | None:
        for n, token in enumerate(tokens):
            if token in LETTERS:
                return f"letter:{LETTERS[token]}", 1.0
            if m := re.fullmatch(r"w(\d{2})", token):
                return f"waist:W{m.group(1)}", 1.0
            if token == "w" and n + 1 < len(tokens) and tokens[n + 1].isdigit():
                return f"waist:W{tokens[n + 1]}", 0.9
            if token in SYSTEM_OFFSET and n + 1 < len(tokens) and tokens[n + 1].isdigit():
                number = int(tokens[n + 1]) + SYSTEM_OFFSET[token]
                return f"eu:{number}", 1.0 if SYSTEM_OFFSET[token] == 0 else CONVERTED
            if m := re.fullmatch(r"(eu|fr|it|uk|us|de)(\d{2})", token):
                number = int(m.group(2)) + SYSTEM_OFFSET[m.group(1)]
                return f"eu:{number}", 1.0 if SYSTEM_OFFSET[m.group(1)] == 0 else CONVERTED
            if token.isdigit() and 30 <= int(token) <= 60:
                return f"eu:{int(token)}", 1.0
        return None

    @staticmethod
    def _sized(code: str, confidence: float, printed: str, sizes: Sequence[str]) -> Found:
        if code in sizes:
            return Found(code, round(confidence, 3), printed)
        return Found("", round(confidence * 0.5, 3), printed)  # printed, but no size of the category

    # --- composition -------------------------------------------------------------------------------------

    def composition(self, lines: Sequence[Line]) -> tuple[list[tuple[str, int | None]], float]:
        """``[(material, percent)]`` of the lines printing a percentage and a fibre, and its confidence."""
        shares: list[tuple[str, int | None]] = []
        scores: list[float] = []
        for line in lines:
            for m in PERCENT.finditer(line.text):
                after = normalise(line.text[m.end() :]).split()
                before = normalise(line.text[: m.start()]).split()
                match = self._fibre(after[:2]) or self._fibre(before[-2:])
                if match is None:
                    continue
                code, quality = match
                percent = int(m.group(1))
                if any(c == code for c, _ in shares):
                    continue
                shares.append((code, percent if 1 <= percent <= 100 else None))
                scores.append(line.confidence * quality)
        if not shares:
            return [], 0.0
        total = sum(p or 0 for _, p in shares)
        agreement = 1.0 if total == 100 else 0.4  # a share misread (or a line lost) breaks the sum
        return shares, round(min(scores) * agreement, 3)

    def _fibre(self, words: Sequence[str]) -> tuple[str, float] | None:
        for count in (2, 1):
            if len(words) >= count:
                match = best_match(" ".join(words[:count]), self.materials)
                if match:
                    return match
        return None

    # --- origin ------------------------------------------------------------------------------------------

    def origin(self, text: str, ocr: float) -> Found | None:
        m = MADE_IN.search(text)
        if m is None:
            return None
        country = m.group(1).strip()
        words = country.split()
        for count in (3, 2, 1):
            match = (
                best_match(" ".join(words[:count]), self.origins, min_length=3)
                if len(words) >= count
                else None
            )
            if match:
                return Found(match[0], round(ocr * match[1], 3), country)
        return Found("other", round(ocr * 0.5, 3), country)  # a country catalog does not list by name
