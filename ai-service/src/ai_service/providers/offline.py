"""The offline provider: no network, no model. Deterministic answers for tests and for a machine with
no AI stand-in, honest about what it cannot see.

It measures one thing, the colour at the centre of the first photo (matched to catalog's colours by their
hex code); every other field is a fixed pick (by the photos' hash), or null.

Its confidences are meant to be honest (``eval/ai`` measures them): a pick among ``n`` values is right about
once in ``n`` (confidence ``1/n``); the centre's colour was the item's colour in 56 % of the generated set
(85 % of plain swatches, 40-50 % of patterned ones, 58 % of garments laid flat, whose centre can fall between
two legs), hence 0.5; a field left null has confidence 0.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ai_service.providers.base import ModelAnswer, ModelRequest, Usage

Rgb = tuple[int, int, int]
MEASURED_CONFIDENCE = 0.5  # the centre's colour is the item's about half the time (eval/ai)


def _hex(value: str) -> Rgb | None:
    value = value.lstrip("#")
    if len(value) != 6:
        return None
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


class OfflineProvider:
    name = "offline"
    model = "offline-1"

    def __init__(self, palette: dict[str, str]) -> None:
        self.palette = {code: rgb for code, hex_ in palette.items() if (rgb := _hex(hex_)) is not None}

    async def generate(self, request: ModelRequest) -> ModelAnswer:
        seed = hashlib.sha256(b"".join(i.data for i in request.images) or request.prompt.encode()).digest()
        centre = request.images[0].centre_rgb if request.images else None
        data = _Composer(seed, centre, self.palette).object(request.schema, "")
        return ModelAnswer(data, Usage(), self.model)

    async def aclose(self) -> None:
        return None


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
