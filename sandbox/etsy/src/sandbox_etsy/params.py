"""Request parameters as Etsy reads them: form-urlencoded (or JSON) bodies and query strings.

Errors name the parameter, so that a caller knows what to fix.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from sandbox_etsy.errors import bad_request

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no", ""}


class Params:
    """One request's parameters: every value a list (form and query keys may repeat; ``tags[]`` = ``tags``)."""

    def __init__(self, values: dict[str, list[Any]]) -> None:
        self.values = values

    @classmethod
    def of_items(cls, items: list[tuple[str, Any]]) -> Params:
        values: dict[str, list[Any]] = {}
        for key, value in items:
            values.setdefault(key.removesuffix("[]"), []).append(value)
        return cls(values)

    @classmethod
    def of_json(cls, body: dict[str, Any]) -> Params:
        return cls({k: v if isinstance(v, list) else [v] for k, v in body.items()})

    def has(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        found = self.values.get(name)
        return found[-1] if found else None

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.raw(name)
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                raise bad_request(f"Missing required parameter '{name}'.")
            return None if value is None else ""
        return str(value)

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"Missing required parameter '{name}'.")
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = int(value) if not isinstance(value, float) or value.is_integer() else None
            if number is None:
                raise ValueError
        except (TypeError, ValueError) as exc:
            raise bad_request(f"Expected an integer for parameter '{name}', got '{value}'.") from exc
        if minimum is not None and number < minimum:
            raise bad_request(f"Parameter '{name}' must be greater than or equal to {minimum}.")
        return number

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"Missing required parameter '{name}'.")
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"Expected a number for parameter '{name}', got '{value}'.") from exc

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise bad_request(f"Missing required parameter '{name}'.")
            return None
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise bad_request(f"Expected a boolean for parameter '{name}', got '{value}'.")

    def strings(self, name: str) -> list[str] | None:
        """A list: repeated keys, ``name[]``, a JSON array, or one comma-separated string."""
        found = self.values.get(name)
        if found is None:
            return None
        out: list[str] = []
        for value in found:
            if value is None:
                continue
            if isinstance(value, list):
                out.extend(str(v).strip() for v in value)
            else:
                out.extend(part.strip() for part in str(value).split(","))
        return [v for v in out if v]

    def integers(self, name: str) -> list[int] | None:
        found = self.strings(name)
        if found is None:
            return None
        try:
            return [int(v) for v in found]
        except ValueError as exc:
            raise bad_request(f"Expected integers for parameter '{name}'.") from exc


async def body_params(request: Request) -> Params:
    """The body of a write: form-urlencoded (what Etsy documents), multipart, or JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        raw = await request.body()
        if not raw.strip():
            return Params({})
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise bad_request("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        return Params.of_json(body)
    form = await request.form()
    return Params.of_items(list(form.multi_items()))


def query_params(request: Request) -> Params:
    return Params.of_items(list(request.query_params.multi_items()))
