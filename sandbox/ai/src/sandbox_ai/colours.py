"""Colour names and distances: the sandbox's palette, its synonyms in a few languages, CIELAB distance."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

Rgb = tuple[int, int, int]

# The palette photos are named with (English); fashion-listing colours.
PALETTE: dict[str, Rgb] = {
    "black": (20, 20, 20),
    "white": (245, 245, 245),
    "grey": (128, 128, 128),
    "silver": (192, 192, 196),
    "beige": (215, 195, 160),
    "cream": (245, 235, 205),
    "brown": (110, 70, 40),
    "camel": (190, 150, 100),
    "khaki": (150, 140, 90),
    "red": (200, 30, 35),
    "burgundy": (120, 20, 40),
    "pink": (240, 150, 180),
    "fuchsia": (210, 40, 150),
    "orange": (240, 130, 30),
    "coral": (250, 125, 90),
    "yellow": (245, 215, 40),
    "mustard": (205, 165, 40),
    "gold": (212, 175, 55),
    "green": (40, 145, 60),
    "olive": (100, 105, 40),
    "mint": (165, 225, 190),
    "turquoise": (50, 195, 195),
    "blue": (40, 90, 200),
    "light blue": (150, 195, 235),
    "navy": (25, 35, 80),
    "purple": (115, 45, 145),
    "lilac": (195, 165, 215),
}

# Other words for the palette's colours (normalised: lower case, no accents, spaces).
SYNONYMS: dict[str, str] = {
    # English
    "gray": "grey", "charcoal": "grey", "anthracite": "grey", "ivory": "cream", "off white": "cream",
    "ecru": "cream", "nude": "beige", "sand": "beige", "taupe": "beige", "tan": "camel", "cognac": "camel",
    "chocolate": "brown", "maroon": "burgundy", "wine": "burgundy", "bordeaux": "burgundy",
    "rose": "pink", "blush": "pink", "magenta": "fuchsia", "hot pink": "fuchsia", "salmon": "coral",
    "peach": "coral", "lime": "green", "emerald": "green", "forest green": "green", "army green": "olive",
    "sage": "mint", "teal": "turquoise", "aqua": "turquoise", "cyan": "turquoise", "royal blue": "blue",
    "cobalt": "blue", "denim": "blue", "sky blue": "light blue", "baby blue": "light blue",
    "navy blue": "navy", "dark blue": "navy", "midnight blue": "navy", "violet": "purple",
    "plum": "purple", "lavender": "lilac", "mauve": "lilac",
    # French
    "noir": "black", "blanc": "white", "gris": "grey", "argent": "silver", "argente": "silver",
    "creme": "cream", "marron": "brown", "kaki": "khaki", "rouge": "red", "rose pale": "pink",
    "jaune": "yellow", "moutarde": "mustard", "dore": "gold", "or": "gold", "vert": "green",
    "vert olive": "olive", "menthe": "mint", "bleu": "blue", "bleu clair": "light blue",
    "bleu marine": "navy", "marine": "navy", "violet fonce": "purple", "lila": "lilac", "corail": "coral",
    # German
    "schwarz": "black", "weiss": "white", "grau": "grey", "silber": "silver", "braun": "brown",
    "rot": "red", "rosa": "pink", "gelb": "yellow", "grun": "green", "gruen": "green", "blau": "blue",
    "hellblau": "light blue", "dunkelblau": "navy", "lila farben": "lilac",
    # Spanish, Italian
    "negro": "black", "nero": "black", "blanco": "white", "bianco": "white", "grigio": "grey",
    "marrone": "brown", "rojo": "red", "rosso": "red", "amarillo": "yellow", "giallo": "yellow",
    "verde": "green", "azul": "blue", "blu": "blue", "azzurro": "light blue", "morado": "purple",
    "viola": "purple", "naranja": "orange", "arancione": "orange", "dorado": "gold", "oro": "gold",
}  # fmt: skip
MULTI = {"multicolour", "multicolor", "multi", "multicolore", "mehrfarbig", "multicolor print", "mixed"}
LIGHTER = {"light", "pale", "clair", "hell", "claro", "chiaro", "pastel"}
DARKER = {"dark", "deep", "fonce", "dunkel", "oscuro", "scuro"}


def normalise(value: str) -> str:
    """Lower case, accents removed, ``_``/``-`` as spaces: ``"Bleu_Marine"`` → ``"bleu marine"``."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return " ".join(re.split(r"[\s_\-/]+", text)).strip()


def _lab(rgb: Rgb) -> tuple[float, float, float]:
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@lru_cache(maxsize=4096)
def colour_distance(a: Rgb, b: Rgb) -> float:
    """CIE76 ΔE between two colours (about 2.3 is a just-noticeable difference)."""
    la, lb = _lab(a), _lab(b)
    return float(sum((x - y) ** 2 for x, y in zip(la, lb, strict=True)) ** 0.5)


def nearest_name(rgb: Rgb) -> str:
    return min(PALETTE, key=lambda name: (colour_distance(rgb, PALETTE[name]), name))


def _shade(rgb: Rgb, towards: int, amount: float) -> Rgb:
    return (
        round(rgb[0] + (towards - rgb[0]) * amount),
        round(rgb[1] + (towards - rgb[1]) * amount),
        round(rgb[2] + (towards - rgb[2]) * amount),
    )


@lru_cache(maxsize=4096)
def rgb_of(value: str) -> Rgb | None:
    """The colour a name stands for (``"navy_blue"``, ``"Bleu clair"``, ``"DARK_GREEN"``), or None."""
    name = normalise(value)
    if name in PALETTE:
        return PALETTE[name]
    if name in SYNONYMS:
        return PALETTE[SYNONYMS[name]]
    words = name.split()
    if len(words) > 1:
        modifiers = [w for w in words if w in LIGHTER or w in DARKER]
        rest = " ".join(w for w in words if w not in LIGHTER and w not in DARKER)
        base = rgb_of(rest) if rest and rest != name else None
        if base is not None:
            for word in modifiers:
                base = _shade(base, 255, 0.45) if word in LIGHTER else _shade(base, 0, 0.45)
            return base
        for word in words:  # "jet black", "sky blue tones": any colour word in it
            if word in PALETTE or word in SYNONYMS:
                return rgb_of(word)
    return None


def is_multi(value: str) -> bool:
    name = normalise(value).replace(" ", "")
    return name in {m.replace(" ", "") for m in MULTI} or name.startswith("multi")
