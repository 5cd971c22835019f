"""The offline provider: no network, no model. Deterministic answers for tests and for a machine with
no AI stand-in, honest about what it cannot see.

It measures what can be measured without a model: the colour at the centre of the first photo (matched to
catalog's colours by their hex code), and the label photo's text, read by Tesseract (``ocr``) and matched
to catalog's brands, sizes, materials and origins (``label_text``). The label photo is the one the request
marks (role ``label``), else the photo that looks most like print (its share of sharp edges); a label read
upright that gives little is read again turned, as labels are often photographed askew. Every other field
is a fixed pick (by the photos' hash), or null. Without Tesseract (or when it times out or fails) the label
fields stay null with confidence 0 and a warning is logged: colours only, never an error.

Its confidences are meant to be honest (``eval/ai`` measures them): a field read on the label carries the
OCR's confidence in its words times the match's quality (see ``label_text``); a pick among ``n`` values is
right about once in ``n`` (confidence ``1/n``); the centre's colour was the item's colour in 56 % of the generated set
(85 % of plain swatches, 40-50 % of patterned ones, 58 % of garments laid flat, whose centre can fall between
two legs), hence 0.5; a field left null has confidence 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from typing import Any

from ai_service.images.prep import PreparedImage
from ai_service.providers.base import ModelAnswer, ModelRequest, Usage
from ai_service.providers.label_text import LabelParser, LabelReading
from ai_service.providers.ocr import OcrStatus, TesseractReader, text_likeness
from ai_service.reference.catalog import Reference, reference

logger = logging.getLogger(__name__)

Rgb = tuple[int, int, int]
MEASURED_CONFIDENCE = 0.5  # the centre's colour is the item's about half the time (eval/ai)
TEXT_LIKE = 0.05  # share of sharp edges above which a photo is taken for printed text (labels: 0.07-0.15)
TURNS = (0.0, -15.0, 15.0, -25.0, 25.0)  # degrees a label is read at, in order, until it reads fully
CACHE = 64  # label readings kept, by the photo's hash (the category and detail steps see the same photo)


def _hex(value: str) -> Rgb | None:
    value = value.lstrip("#")
    if len(value) != 6:
        return None
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


class OfflineProvider:
    name = "offline"
    model = "offline-1"

    def __init__(
        self,
        palette: dict[str, str],
        ref: Reference | None = None,
        reader: TesseractReader | None = None,
    ) -> None:
        self.palette = {code: rgb for code, hex_ in palette.items() if (rgb := _hex(hex_)) is not None}
        self.ref = ref if ref is not None else reference()
        self.parser = LabelParser(self.ref)
        self.reader = reader if reader is not None else TesseractReader()
        self._readings: OrderedDict[bytes, LabelReading | None] = OrderedDict()
        if not self.reader.available:
            logger.warning(
                "tesseract is not installed: the offline provider reads no label text, colours only "
                "(deploy/local/ensure-infra.sh installs it)"
            )

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        seed = hashlib.sha256(b"".join(i.data for i in request.images) or request.prompt.encode()).digest()
        centre = request.images[0].centre_rgb if request.images else None
        data = _Composer(seed, centre, self.palette).object(request.schema, "")
        props: dict[str, Any] = request.schema.get("properties", {})
        if "label_photo" in props:
            found = await self.most_text(request.images)
            data["label_photo"] = None if found is None else found + 1
        if "brand" in props and request.images:
            marked = [n for n, image in enumerate(request.images) if image.role == "label"]
            label = marked[0] if marked else await self.most_text(request.images)
            reading = None if label is None else await self.read(request.images[label])
            if reading is not None:
                self.fill(data, props, reading)
        return ModelAnswer(data, Usage(), self.model)

    @staticmethod
    async def most_text(images: tuple[PreparedImage, ...]) -> int | None:
        """The index of the photo that looks most like print, if any looks like print at all."""
        if not images:
            return None
        scores = await asyncio.gather(*(asyncio.to_thread(text_likeness, i.data) for i in images))
        best = max(range(len(images)), key=lambda n: scores[n])
        return best if scores[best] >= TEXT_LIKE else None

    async def read(self, photo: PreparedImage) -> LabelReading | None:
        """The label's findings (tried upright, then turned); None when Tesseract could not read it."""
        key = hashlib.sha256(photo.data).digest()
        if key in self._readings:
            return self._readings[key]
        best: LabelReading | None = None
        for turn in TURNS:
            result = await self.reader.read(photo.data, turn)
            if result.status is not OcrStatus.READ:
                logger.warning(
                    "label text not read: colours only",
                    extra={"ocr_status": result.status.value, "detail": result.detail},
                )
                return best  # not cached: the next analysis tries again
            reading = self.parser.read(result.lines, list(self.ref.values.get("size", {})))
            if best is None or _score(reading) > _score(best):
                best = reading
            if best.brand and best.size and best.materials and best.origin:
                break
        self._readings[key] = best
        while len(self._readings) > CACHE:
            self._readings.popitem(last=False)
        return best

    def fill(self, data: dict[str, Any], props: dict[str, Any], reading: LabelReading) -> None:
        """Put what the label says into the answer, only as values the schema allows."""
        if reading.brand is not None and "brand" in props:
            data["brand"] = self.ref.brands[reading.brand.value].name
            data["brand_confidence"] = reading.brand.confidence
        if reading.size is not None and "size" in props:
            allowed = _enum(props["size"])
            data["size_label"] = reading.size.printed[:40] or None
            data["size"] = reading.size.value if reading.size.value in allowed else None
            data["size_confidence"] = reading.size.confidence if data["size"] else 0.0
            if data["size"] and "category" in props:
                self.fit_category(data, _enum(props["category"]), data["size"])
        if reading.materials and "materials" in props:
            allowed = _enum(props["materials"].get("items", {}).get("properties", {}).get("material", {}))
            shares = [{"material": m, "percent": p} for m, p in reading.materials if m in allowed]
            data["materials"] = shares[: props["materials"].get("maxItems", 6)]
            data["materials_confidence"] = reading.materials_confidence if shares else 0.0
        if (
            reading.origin is not None
            and "origin" in props
            and reading.origin.value in _enum(props["origin"])
        ):
            data["origin"] = reading.origin.value
            data["origin_confidence"] = reading.origin.confidence

    async def aclose(self) -> None:
        return None

    def fit_category(self, data: dict[str, Any], leaves: set[str], size: str) -> None:
        """A picked category that cannot take the size read (a waist size on a shirt) is picked again among
        the ones that can, with the confidence of that narrower pick."""
        groups = set(self.ref.values["size"][size].data.get("groups", []))
        if self.ref.group_of(str(data.get("category"))) in groups:
            return
        fitting = sorted(c for c in leaves if self.ref.group_of(c) in groups)
        if fitting:
            digest = hashlib.sha256(f"{data.get('category')}:{size}".encode()).digest()
            data["category"] = fitting[int.from_bytes(digest[:4], "big") % len(fitting)]
            if "category_confidence" in data:
                data["category_confidence"] = round(1 / len(fitting), 3)


def _score(reading: LabelReading) -> float:
    found = (reading.brand, reading.size, reading.origin)
    return (
        sum(f.confidence for f in found if f) + reading.materials_confidence + 0.01 * len(reading.materials)
    )


def _enum(schema: dict[str, Any]) -> set[str]:
    """The values a (possibly nullable) enum schema allows."""
    values = list(schema.get("enum", []))
    for branch in schema.get("anyOf", []):
        values += branch.get("enum", [])
    return {v for v in values if isinstance(v, str)}


class _Composer:
    def __init__(self, seed: bytes, centre: Rgb | None, palette: dict[str, Rgb]) -> None:
        self.seed, self.centre, self.palette = seed, centre, palette

    def pick(self, values: list[Any], path: str) -> Any:
        digest = hashlib.sha256(self.seed + path.encode()).digest()
        return values[int.from_bytes(digest[:4], "big") % len(values)]

    def nearest_colour(self, values: list[Any]) -> Any:
        known = [v for v in values if v in self.palette]
        if self.centre is None or not known:
            return None
        c = self.centre
        return min(known, key=lambda v: sum((a - b) ** 2 for a, b in zip(self.palette[v], c, strict=True)))

    def object(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties", {})
        out = {name: self.value(sub, f"{path}.{name}", name) for name, sub in props.items()}
        for name in props:
            if name.endswith("_confidence"):
                field = name.removesuffix("_confidence")
                out[name] = self.confidence(props.get(field, {}), out.get(field), field)
        return out

    @staticmethod
    def confidence(schema: dict[str, Any], value: Any, name: str) -> float:
        """How often such an answer is right: measured for the colour, 1/n for a pick among n, 0 for null."""
        if value is None or value == [] or value == "":
            return 0.0
        if name.startswith("colour"):
            return MEASURED_CONFIDENCE
        options = [v for v in schema.get("enum", []) if v is not None]
        return round(1 / len(options), 3) if options else 0.0

    def value(self, schema: dict[str, Any], path: str, name: str) -> Any:
        types = schema.get("type")
        kinds = types if isinstance(types, list) else [types]
        branches = schema.get("anyOf", [])
        nullable = "null" in kinds or any(b.get("type") == "null" for b in branches)
        enum = [v for v in schema.get("enum", []) if v is not None]
        if name.endswith("_confidence"):
            return 0.0  # set by ``object`` once the field it qualifies is known
        if "array" in kinds:
            items = schema.get("items", {})
            options = [v for v in items.get("enum", []) if v is not None]
            colour = self.nearest_colour(options) if "colour" in name else None
            return [colour] if colour is not None else []
        if nullable:
            return None
        if enum:
            return self.pick(enum, path)
        if "object" in kinds:
            return self.object(schema, path)
        if "integer" in kinds or "number" in kinds:
            low = schema.get("minimum", 0)
            high = schema.get("maximum", low)
            return (low + high) // 2 if "integer" in kinds else (low + high) / 2
        if "boolean" in kinds:
            return False
        return ""
