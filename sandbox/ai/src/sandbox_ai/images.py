"""What the sandbox "sees" in a photo: measured with Pillow, never guessed.

Features: pixel size, format, mean brightness, sharpness (mean edge strength), the background (the
border's median colour when the border is uniform) and the dominant colours of the rest, with their share.
Token rules follow the providers' published formulas (see ``gemini_image_tokens``/``openai_image_tokens``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import math
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageFilter, ImageStat, UnidentifiedImageError

from sandbox_ai.colours import Rgb, colour_distance, nearest_name

with contextlib.suppress(ImportError):  # HEIC/HEIF, which Gemini accepts, when the plugin is installed
    import pillow_heif

    pillow_heif.register_heif_opener()


class UndecodableImage(ValueError):
    """The bytes are not an image Pillow can read (corrupt, truncated, or not an image at all)."""


@dataclass(frozen=True)
class Swatch:
    name: str  # the nearest colour name of the sandbox's English palette
    rgb: Rgb
    share: float  # of the foreground pixels, 0..1


@dataclass(frozen=True)
class ImageFacts:
    mime_type: str
    byte_size: int
    sha256: str
    width: int
    height: int
    format: str
    brightness: float  # mean luma, 0..255
    sharpness: float  # mean edge strength, 0..255
    background: Rgb | None  # the border's colour when the border is uniform
    colours: list[Swatch] = field(default_factory=list)  # foreground colours, largest share first

    @property
    def dominant(self) -> Swatch | None:
        return self.colours[0] if self.colours else None

    def summary(self) -> dict[str, object]:
        return {
            "mime_type": self.mime_type,
            "bytes": self.byte_size,
            "width": self.width,
            "height": self.height,
            "format": self.format,
        }


def b64decode(data: str) -> bytes:
    """Standard or URL-safe base64, padding optional (the google-genai SDK sends URL-safe)."""
    cleaned = "".join(data.split())
    cleaned += "=" * (-len(cleaned) % 4)
    alt = b"-_" if ("-" in cleaned or "_" in cleaned) else b"+/"
    try:
        return base64.b64decode(cleaned, altchars=alt, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("Base64 decoding failed") from exc


def analyse(data: bytes, mime_type: str) -> ImageFacts:
    """Decode ``data`` fully and measure it; ``UndecodableImage`` when Pillow cannot."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            fmt = image.format or "UNKNOWN"
            image.draft("RGB", (256, 256))  # JPEG: decode at a reduced scale, much faster
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise UndecodableImage(str(exc)) from exc
    rgb = _flatten(image)
    rgb.thumbnail((96, 96))
    grey = rgb.convert("L")
    brightness = float(ImageStat.Stat(grey).mean[0])
    sharpness = float(ImageStat.Stat(grey.filter(ImageFilter.FIND_EDGES)).mean[0])
    background = _background(rgb)
    return ImageFacts(
        mime_type=mime_type,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        format=fmt,
        brightness=round(brightness, 2),
        sharpness=round(sharpness, 2),
        background=background,
        colours=_colours(rgb, background),
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, transparent pixels shown on white (as a listing page would show them)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _border(image: Image.Image) -> list[Rgb]:
    w, h = image.size
    px = image.load()
    assert px is not None
    points = {(x, y) for x in range(w) for y in (0, h - 1)} | {(x, y) for y in range(h) for x in (0, w - 1)}
    out: list[Rgb] = []
    for x, y in sorted(points):
        value = px[x, y]
        assert isinstance(value, tuple)
        out.append((int(value[0]), int(value[1]), int(value[2])))
    return out


def _background(image: Image.Image) -> Rgb | None:
    """The border's median colour, when at least 70 % of the border is close to it."""
    border = _border(image)
    if not border:
        return None
    median: Rgb = tuple(sorted(p[i] for p in border)[len(border) // 2] for i in range(3))  # type: ignore[assignment]
    close = sum(1 for p in border if colour_distance(p, median) < 12)
    return median if close >= 0.7 * len(border) else None


def _colours(image: Image.Image, background: Rgb | None) -> list[Swatch]:
    """Median-cut palette of the picture, background removed when something else is left, named."""
    quantised = image.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
    palette = quantised.getpalette() or []
    counts = quantised.getcolors() or []
    entries: list[tuple[Rgb, int]] = []
    for count, index in counts:
        assert isinstance(index, int)
        entries.append(((palette[3 * index], palette[3 * index + 1], palette[3 * index + 2]), count))
    if background is not None:
        foreground = [(c, n) for c, n in entries if colour_distance(c, background) >= 12]
        total = sum(n for _, n in entries)
        if sum(n for _, n in foreground) >= 0.05 * total:
            entries = foreground
    total = sum(n for _, n in entries) or 1
    by_name: dict[str, tuple[Rgb, int, int]] = {}  # name -> (rgb of the largest entry, its count, sum)
    for rgb, count in entries:
        name = nearest_name(rgb)
        best, best_count, summed = by_name.get(name, (rgb, 0, 0))
        if count > best_count:
            best, best_count = rgb, count
        by_name[name] = (best, best_count, summed + count)
    swatches = [Swatch(name, rgb, round(summed / total, 4)) for name, (rgb, _, summed) in by_name.items()]
    swatches.sort(key=lambda s: (-s.share, s.name))
    return swatches


def gemini_image_tokens(width: int, height: int) -> int:
    """Gemini's documented rule: 258 tokens when both sides are at most 384 px, otherwise the image is
    cut into 768x768 tiles, 258 tokens each (ai.google.dev/gemini-api/docs/tokens)."""
    if width <= 384 and height <= 384:
        return 258
    return math.ceil(width / 768) * math.ceil(height / 768) * 258


def openai_image_tokens(width: int, height: int, detail: str = "auto") -> int:
    """OpenAI's documented rule for the GPT-4o family: ``low`` costs 85; otherwise the image is fitted in
    2048x2048, its short side scaled down to 768, and each 512 px tile costs 170, plus 85."""
    if detail == "low":
        return 85
    w, h = float(width), float(height)
    if max(w, h) > 2048:
        scale = 2048 / max(w, h)
        w, h = w * scale, h * scale
    if min(w, h) > 768:
        scale = 768 / min(w, h)
        w, h = w * scale, h * scale
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)


def text_tokens(text: str) -> int:
    """About four characters a token, as both providers document for English text."""
    return math.ceil(len(text) / 4) if text else 0
