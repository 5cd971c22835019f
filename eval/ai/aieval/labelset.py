"""The labelled set, made by code: every photo is drawn from a seed, so the same seed gives the same set.

Two kinds of item:

- **label items**: two photos, a garment of a known category cut from a plain fabric of a known catalog
  colour, and its care/brand label (brand, size, composition with percentages, care and origin lines) in
  one of five languages and one of the machine's fonts, photographed under one condition (clean, at an
  angle, blurred, under glare, cropped close, or all of them mildly). Half of them mark the label photo as
  the seller would; the other half leave the pipeline to find it.
- **swatches**: one photo of a fabric swatch of a known catalog colour, plain or patterned (stripes,
  checks, dots of a second colour over at most 30 % of it), sometimes blurred, lit unevenly or turned.

Sample ``i`` of a seed is the same whatever the set's size (its own ``random.Random``), so a small set is
a prefix of a large one. Fonts are those found on the machine (TrueType under the usual font folders) plus
Pillow's own default font; the set is reproducible on machines with the same fonts.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ai_service.reference.catalog import Reference
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

LANGUAGES = ("fr", "en", "de", "it", "es")
LABEL_CONDITIONS = ("clean", "angle", "blur", "glare", "crop", "combined")
SWATCH_PATTERNS = ("solid", "striped", "checked", "polka-dot")
PHOTO = (1600, 1200)  # a phone photo at media-service's `large` size (its renditions are made from it)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")

SIZE_WORD = {"fr": "TAILLE", "en": "SIZE", "de": "GRÖSSE", "it": "TAGLIA", "es": "TALLA"}
CARE = {
    "fr": ("Lavage en machine 30°C", "Ne pas blanchir", "Repassage doux"),
    "en": ("Machine wash 30°C", "Do not bleach", "Iron on low heat"),
    "de": ("Maschinenwäsche 30°C", "Nicht bleichen", "Bügeln bei niedriger Temperatur"),
    "it": ("Lavare in lavatrice a 30°C", "Non candeggiare", "Stirare a bassa temperatura"),
    "es": ("Lavar a máquina 30°C", "No usar lejía", "Planchar a baja temperatura"),
}
MADE_IN = {
    "fr": "Fabriqué au Portugal",
    "en": "Made in Portugal",
    "de": "Hergestellt in Portugal",
    "it": "Prodotto in Portogallo",
    "es": "Fabricado en Portugal",
}
# Garments drawn as silhouettes, with the size systems printed on their labels.
GARMENT_SIZES = {
    "t-shirts": ("letter", "eu"),
    "dresses": ("letter", "eu"),
    "skirts": ("letter", "eu"),
    "trousers": ("waist", "eu"),
    "shorts": ("waist", "letter"),
}
LABEL_COLOURS = (
    ((250, 250, 246), (25, 25, 25)),
    ((240, 232, 210), (40, 30, 25)),
    ((20, 20, 22), (235, 235, 235)),
)


@dataclass(frozen=True)
class Truth:
    """What the photos show, in catalog's codes; ``None`` where the item has no such fact."""

    category: str | None = None
    brand: str | None = None
    size: str | None = None
    materials: tuple[tuple[str, int], ...] | None = None
    colour: str | None = None
    pattern: str | None = None
    label_photo: int | None = None  # 0-based position of the label photo, when the seller marked none


@dataclass(frozen=True)
class Sample:
    id: str
    kind: str  # label | swatch
    photos: tuple[bytes, ...]
    label_marked: int | None  # 0-based position of the label photo the seller marked
    language: str
    conditions: dict[str, str] = field(default_factory=dict)
    truth: Truth = Truth()


# --- fonts -----------------------------------------------------------------------------------------------

FontLoader = Callable[[int], ImageFont.FreeTypeFont | ImageFont.ImageFont]


def _truetype(path: str) -> FontLoader:
    def load(size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(path, size)

    return load


def prints_text(load: FontLoader) -> bool:
    """Whether the font draws each letter of a label's alphabet as a shape of its own (an icon or symbol
    font draws the same box for every one)."""
    font = load(40)
    masks = [bytes(font.getmask(c)) for c in "AZaeéñöß%"]
    return len(set(masks)) == len(masks)


def fonts() -> dict[str, FontLoader]:
    """Pillow's default font and the machine's text fonts (regular, bold, serif, mono…), by name."""
    found: dict[str, FontLoader] = {"pil-default": lambda size: ImageFont.load_default(size)}
    paths = sorted(p for d in FONT_DIRS if Path(d).is_dir() for p in Path(d).rglob("*.ttf"))
    for path in paths:
        name = path.stem
        if name in found or any(skip in name for skip in ("Math", "ExtraLight")):
            continue
        load = _truetype(str(path))
        if prints_text(load):
            found[name] = load
    return found


# --- drawing helpers -------------------------------------------------------------------------------------


def _hex(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _jitter(rng: random.Random, rgb: tuple[int, int, int], spread: int) -> tuple[int, int, int]:
    r, g, b = (max(0, min(255, c + rng.randint(-spread, spread))) for c in rgb)
    return (r, g, b)


def _fabric(rng: random.Random, size: tuple[int, int], rgb: tuple[int, int, int]) -> Image.Image:
    """A plain fabric: the colour with a weave-like grain and light falling off to one side."""
    w, h = size
    image = Image.new("RGB", size, rgb)
    grain = Image.frombytes("L", (w // 4, h // 4), rng.randbytes((w // 4) * (h // 4))).resize(size)
    image = Image.blend(image, Image.merge("RGB", [grain] * 3), 0.04)
    light = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize(size)
    shade = Image.new("RGB", size, (0, 0, 0))
    return Image.composite(image, Image.blend(image, shade, 0.12), light)


def _glare(
    rng: random.Random, image: Image.Image, box: tuple[int, int, int, int], strength: float
) -> Image.Image:
    """A soft white reflection over part of ``box`` (a lamp on satin)."""
    x0, y0, x1, y1 = box
    cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
    r = max(x1 - x0, y1 - y0) * rng.uniform(0.25, 0.4)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), fill=int(255 * strength))
    mask = mask.filter(ImageFilter.GaussianBlur(r / 3))
    return Image.composite(Image.new("RGB", image.size, (255, 255, 255)), image, mask)


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _silhouette(kind: str, size: tuple[int, int]) -> list[list[tuple[float, float]]]:
    """Polygons of a garment laid flat, centred, in pixels of ``size``."""
    w, h = size
    shapes: dict[str, list[list[tuple[float, float]]]] = {
        "t-shirts": [[(0.38, 0.12), (0.62, 0.12), (0.82, 0.22), (0.76, 0.36), (0.68, 0.32), (0.68, 0.88),
                      (0.32, 0.88), (0.32, 0.32), (0.24, 0.36), (0.18, 0.22)]],
        "dresses": [[(0.42, 0.08), (0.58, 0.08), (0.62, 0.35), (0.76, 0.92), (0.24, 0.92), (0.38, 0.35)]],
        "skirts": [[(0.36, 0.2), (0.64, 0.2), (0.78, 0.8), (0.22, 0.8)]],
        "trousers": [[(0.36, 0.08), (0.64, 0.08), (0.68, 0.94), (0.54, 0.94), (0.5, 0.3), (0.46, 0.94),
                      (0.32, 0.94)]],
        "shorts": [[(0.3, 0.2), (0.7, 0.2), (0.74, 0.72), (0.53, 0.72), (0.5, 0.42), (0.47, 0.72),
                    (0.26, 0.72)]],
    }  # fmt: skip
    return [[(x * w, y * h) for x, y in poly] for poly in shapes[kind]]


# --- the label items ------------------------------------------------------------------------------------


class LabelSet:
    """Draws label items and swatches from catalog's reference data."""

    def __init__(self, ref: Reference, seed: int) -> None:
        self.ref = ref
        self.seed = seed
        self.fonts = fonts()
        self.font_names = sorted(self.fonts)
        self.colours = sorted(c for c, v in ref.values["colour"].items() if v.data.get("hex"))
        self.brands = sorted(ref.brands)
        self.materials = sorted(ref.values["material"])

    def rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{index}")

    def sizes(self, system: str) -> list[str]:
        return sorted(v.code for v in self.ref.sizes() if v.data.get("system") == system)

    def composition(self, rng: random.Random) -> tuple[tuple[str, int], ...]:
        count = rng.choice((1, 2, 2, 3))
        fibres = rng.sample(self.materials, count)
        if count == 1:
            return ((fibres[0], 100),)
        cuts = sorted(rng.sample(range(1, 20), count - 1))  # shares in steps of 5 %
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
        pairs = sorted(zip(fibres, (s * 5 for s in shares), strict=True), key=lambda p: -p[1])
        return tuple(pairs)

    def label_item(self, index: int) -> Sample:
        rng = self.rng("label", index)
        language = LANGUAGES[index % len(LANGUAGES)]
        condition = LABEL_CONDITIONS[index % len(LABEL_CONDITIONS)]  # 5 and 6: every pair in 30 items
        font = self.font_names[rng.randrange(len(self.font_names))]
        if font == "pil-default" and language != "en" and len(self.font_names) > 1:
            # Pillow's own font has no accented letters (é, ö, ñ print as boxes): English text only.
            font = self.font_names[(self.font_names.index(font) + 1) % len(self.font_names)]
        garment = rng.choice(sorted(GARMENT_SIZES))
        colour = rng.choice(self.colours)
        brand = self.ref.brands[rng.choice(self.brands)]
        printed_brand = rng.choice((brand.name, brand.name, *brand.aliases))
        size = rng.choice(self.sizes(rng.choice(GARMENT_SIZES[garment])))
        materials = self.composition(rng)
        marked = (index + index // len(LABEL_CONDITIONS)) % 2 == 0  # each condition both ways in 12
        garment_photo = self.garment_photo(rng, garment, _hex(self.ref.values["colour"][colour].data["hex"]))
        label_photo = self.label_photo(rng, language, font, condition, printed_brand, size, materials, colour)
        photos = (garment_photo, label_photo)
        return Sample(
            id=f"label-{index:04d}",
            kind="label",
            photos=photos,
            label_marked=1 if marked else None,
            language=language,
            conditions={"condition": condition, "font": font, "garment": garment, "marked": str(marked)},
            truth=Truth(
                category=garment,
                brand=brand.code,
                size=size,
                materials=materials,
                colour=colour,
                label_photo=None if marked else 1,
            ),
        )

    def garment_photo(self, rng: random.Random, garment: str, rgb: tuple[int, int, int]) -> bytes:
        backdrop = _jitter(rng, rng.choice(((238, 236, 230), (214, 206, 190), (150, 150, 150))), 6)
        photo = _fabric(rng, PHOTO, backdrop)
        cloth = _fabric(rng, PHOTO, _jitter(rng, rgb, 10))
        mask = Image.new("L", PHOTO, 0)
        for polygon in _silhouette(garment, PHOTO):
            ImageDraw.Draw(mask).polygon(polygon, fill=255)
        photo.paste(cloth, (0, 0), mask.filter(ImageFilter.GaussianBlur(2)))
        return _jpeg(photo)

    def label_photo(
        self,
        rng: random.Random,
        language: str,
        font: str,
        condition: str,
        brand: str,
        size: str,
        materials: tuple[tuple[str, int], ...],
        fabric_colour: str,
    ) -> bytes:
        load = self.fonts[font]
        paper, ink = LABEL_COLOURS[rng.randrange(len(LABEL_COLOURS))]
        value = str(self.ref.values["size"][size].data["value"])
        printed_size = f"EU {value}" if size.startswith("eu:") and rng.random() < 0.4 else value
        lines: list[tuple[str, int]] = [(brand.upper() if rng.random() < 0.5 else brand, 84)]
        lines.append((f"{SIZE_WORD[language]} {printed_size}", 60))
        for code, percent in materials:
            name = self.ref.values["material"][code].label(language)
            lines.append((f"{percent}% {name.upper() if rng.random() < 0.5 else name}", 48))
        lines += [(c, 34) for c in CARE[language][: rng.randint(1, 3)]]
        lines.append((MADE_IN[language], 34))
        drawn = [(text, load(px)) for text, px in lines]
        margin, gap = 60, 18  # pixels
        probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        boxes = [[round(v) for v in probe.textbbox((0, 0), text, font=f)] for text, f in drawn]
        width = max(b[2] - b[0] for b in boxes) + 2 * margin
        height = sum(b[3] - b[1] + gap for b in boxes) + 2 * margin
        label = Image.new("RGBA", (width, height), (*paper, 255))
        draw = ImageDraw.Draw(label)
        y = margin
        for (text, f), box in zip(drawn, boxes, strict=True):
            x = (width - (box[2] - box[0])) // 2 - box[0] if text == drawn[0][0] else margin - box[0]
            draw.text((x, y - box[1]), text, font=f, fill=ink)
            y += box[3] - box[1] + gap
        angle = {"angle": rng.uniform(12, 30), "combined": rng.uniform(5, 12)}.get(
            condition, rng.uniform(0, 3)
        )
        label = label.rotate(angle * rng.choice((-1, 1)), resample=Image.Resampling.BICUBIC, expand=True)
        scale = min(PHOTO[0] * 0.8 / label.width, PHOTO[1] * 0.85 / label.height, 1.6)
        label = label.resize((max(1, int(label.width * scale)), max(1, int(label.height * scale))))
        rgb = _hex(self.ref.values["colour"][fabric_colour].data["hex"])
        photo = _fabric(rng, PHOTO, _jitter(rng, rgb, 10))
        x0 = (PHOTO[0] - label.width) // 2 + rng.randint(-40, 40)
        y0 = (PHOTO[1] - label.height) // 2 + rng.randint(-30, 30)
        photo.paste(label, (x0, y0), label)
        placed = (x0, y0, x0 + label.width, y0 + label.height)
        if condition in ("glare", "combined"):
            photo = _glare(rng, photo, placed, 0.8 if condition == "glare" else 0.55)
        if condition in ("blur", "combined"):
            photo = photo.filter(
                ImageFilter.GaussianBlur(rng.uniform(2.5, 3.5) if condition == "blur" else 1.5)
            )
        if condition in ("crop", "combined"):
            inset = margin * scale * (0.7 if condition == "crop" else 0.4)
            cut = [placed[0] + inset * rng.random(), placed[1] + inset * rng.random()]
            cut += [placed[2] - inset * rng.random(), placed[3] - inset * rng.random()]
            photo = photo.crop((int(cut[0]), int(cut[1]), int(cut[2]), int(cut[3])))
        noise = Image.frombytes("L", photo.size, rng.randbytes(photo.width * photo.height))
        photo = Image.blend(photo, Image.merge("RGB", [noise] * 3), 0.03)  # sensor grain
        return _jpeg(photo, quality=rng.choice((80, 88, 92)))

    # --- swatches ---------------------------------------------------------------------------------------

    def swatch(self, index: int) -> Sample:
        rng = self.rng("swatch", index)
        pattern = SWATCH_PATTERNS[index % len(SWATCH_PATTERNS)]
        colour = self.colours[(index // len(SWATCH_PATTERNS)) % len(self.colours)]
        rgb = _hex(self.ref.values["colour"][colour].data["hex"])
        others = [
            c for c in self.colours if _distance(_hex(self.ref.values["colour"][c].data["hex"]), rgb) > 120
        ]
        second = rng.choice(others)
        condition = rng.choice(("clean", "clean", "blur", "shade", "angle"))
        size = (1200, 1200)
        cloth = _fabric(rng, size, _jitter(rng, rgb, 12))
        if pattern != "solid":
            ink = _fabric(rng, size, _jitter(rng, _hex(self.ref.values["colour"][second].data["hex"]), 12))
            cloth = Image.composite(ink, cloth, _pattern_mask(rng, pattern, size))
        backdrop = _fabric(rng, PHOTO, _jitter(rng, (236, 234, 228), 8))
        if condition == "angle":
            turned = cloth.convert("RGBA").rotate(rng.uniform(10, 35), expand=True)
            cloth, mask = turned.convert("RGB"), turned.getchannel("A")
        else:
            mask = Image.new("L", cloth.size, 255)
        backdrop.paste(cloth, ((PHOTO[0] - cloth.width) // 2, (PHOTO[1] - cloth.height) // 2), mask)
        photo = backdrop
        if condition == "blur":
            photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(3, 6)))
        if condition == "shade":
            dark = Image.new("RGB", PHOTO, (0, 0, 0))
            light = Image.radial_gradient("L").resize(PHOTO)
            photo = Image.composite(Image.blend(photo, dark, 0.3), photo, light)
        return Sample(
            id=f"swatch-{index:04d}",
            kind="swatch",
            photos=(_jpeg(photo),),
            label_marked=None,
            language=LANGUAGES[index % len(LANGUAGES)],
            conditions={"condition": condition, "pattern": pattern, "second": second},
            truth=Truth(colour=colour, pattern=pattern),
        )

    def samples(self, labels: int, swatches: int) -> list[Sample]:
        return [self.label_item(i) for i in range(labels)] + [self.swatch(i) for i in range(swatches)]


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return math.dist(a, b)


def _pattern_mask(rng: random.Random, pattern: str, size: tuple[int, int]) -> Image.Image:
    """Where the second colour lies: 20-30 % of the swatch, so the first colour stays dominant."""
    w, h = size
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    period = rng.randint(60, 140)
    if pattern == "striped":
        band = int(period * rng.uniform(0.2, 0.3))
        for x in range(0, w, period):
            draw.rectangle((x, 0, x + band, h), fill=255)
    elif pattern == "checked":
        band = int(period * rng.uniform(0.1, 0.15))
        for x in range(0, w, period):
            draw.rectangle((x, 0, x + band, h), fill=255)
        for y in range(0, h, period):
            draw.rectangle((0, y, w, y + band), fill=255)
    else:  # polka-dot
        r = period * rng.uniform(0.22, 0.28)
        for x in range(period // 2, w, period):
            for y in range(period // 2, h, period):
                draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    angle = rng.choice((0, 0, 45))
    return ImageChops.offset(mask.rotate(angle), rng.randrange(period), rng.randrange(period))
