"""Stripe's v1 parameters: form encoding with brackets (``a[b][0][c]=v``) and the checks Stripe makes on them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from sandbox_stripe.errors import invalid, missing_param, unknown_param

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# Options of the SDK's request, never sent as parameters but harmless to list.
_ALWAYS = {"expand"}


def split_key(key: str) -> list[str]:
    """``line_items[0][price]`` → ``["line_items", "0", "price"]``; ``expand[]`` → ``["expand", ""]``."""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    segments = [head]
    segments.extend(match.group(1) for match in _SEGMENT.finditer("[" + rest))
    return segments


def parse(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decode bracket notation into nested dicts and lists (``metadata`` stays a dict whatever its keys)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        segments = split_key(key)
        node = root
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment == "":  # ``[]``: a new element, or the open one while its fields keep coming
                nxt = None if last else segments[index + 1]
                segment = str(len(node))
                if nxt is not None and len(node) and nxt not in node.get(str(len(node) - 1), {nxt: 0}):
                    segment = str(len(node) - 1)
            if last:
                node[segment] = value
            else:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = node[segment] = {}
                node = child
    listed = _listify(root, None)
    assert isinstance(listed, dict)
    return listed


def parse_query(query: str) -> dict[str, Any]:
    return parse(parse_qsl(query, keep_blank_values=True))


def _listify(value: Any, parent: str | None) -> Any:
    if not isinstance(value, dict):
        return value
    if parent != "metadata" and value and all(k.isdigit() for k in value):
        return [_listify(value[k], None) for k in sorted(value, key=int)]
    return {k: _listify(v, k) for k, v in value.items()}


def check_known(params: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Stripe refuses a parameter it does not know (``Received unknown parameter: …``)."""
    known = set(allowed) | _ALWAYS
    for name in params:
        if name not in known:
            raise unknown_param(f"{prefix}[{name}]" if prefix else name)


def _name(param: str, prefix: str) -> str:
    return f"{prefix}[{param}]" if prefix else param


def get_str(
    params: Mapping[str, Any],
    key: str,
    *,
    required: bool = False,
    prefix: str = "",
    max_length: int | None = None,
    empty_ok: bool = False,
) -> str | None:
    value = params.get(key)
    name = _name(key, prefix)
    if value is None or (value == "" and not empty_ok):
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, str):
        raise invalid(f"Invalid string: {_show(value)}", name)
    if max_length is not None and len(value) > max_length:
        raise invalid(f"Invalid string: {value[:40]}...; must be at most {max_length} characters", name)
    return value


def get_int(
    params: Mapping[str, Any],
    key: str,
    *,
    required: bool = False,
    prefix: str = "",
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    value = params.get(key)
    name = _name(key, prefix)
    if value is None or value == "":
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise invalid(f"Invalid integer: {_show(value)}", name, "parameter_invalid_integer")
    number = int(value)
    if minimum is not None and number < minimum:
        raise invalid(f"This value must be greater than or equal to {minimum}.", name)
    if maximum is not None and number > maximum:
        raise invalid(f"This value must be less than or equal to {maximum}.", name)
    return number


def get_bool(params: Mapping[str, Any], key: str, *, prefix: str = "") -> bool | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    if value in ("true", "false"):
        return bool(value == "true")
    raise invalid(f"Invalid boolean: {_show(value)}", _name(key, prefix))


def get_enum(
    params: Mapping[str, Any],
    key: str,
    choices: Iterable[str],
    *,
    required: bool = False,
    prefix: str = "",
) -> str | None:
    options = list(choices)
    value = get_str(params, key, required=required, prefix=prefix)
    if value is not None and value not in options:
        listed = ", ".join(options[:-1]) + (
            f", or {options[-1]}" if len(options) > 2 else f" or {options[-1]}"
        )
        raise invalid(f"Invalid {_name(key, prefix)}: must be one of {listed}", _name(key, prefix))
    return value


def get_dict(
    params: Mapping[str, Any], key: str, *, prefix: str = "", required: bool = False
) -> dict[str, Any] | None:
    value = params.get(key)
    name = _name(key, prefix)
    if value is None or value == "":
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, dict):
        raise invalid("Invalid object", name)
    return value


def get_list(
    params: Mapping[str, Any], key: str, *, prefix: str = "", required: bool = False
) -> list[Any] | None:
    value = params.get(key)
    name = _name(key, prefix)
    if value is None or value == "":
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, list):
        raise invalid("Invalid array", name)
    return value


def get_str_list(params: Mapping[str, Any], key: str, *, prefix: str = "") -> list[str] | None:
    items = get_list(params, key, prefix=prefix)
    if items is None:
        return None
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise invalid("Invalid string", f"{_name(key, prefix)}[{index}]")
    return list(items)


def expand_paths(params: Mapping[str, Any]) -> list[str]:
    paths = get_str_list(params, "expand")
    return paths or []


def metadata(params: Mapping[str, Any], key: str = "metadata", *, prefix: str = "") -> dict[str, str] | None:
    """Validated ``metadata``: at most 50 keys of ≤ 40 characters, values ≤ 500; ``""`` stays (it unsets)."""
    value = params.get(key)
    name = _name(key, prefix)
    if value is None:
        return None
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid("Invalid object", name)
    if len(value) > 50:
        raise invalid("Metadata can have up to 50 keys.", name)
    out: dict[str, str] = {}
    for k, v in value.items():
        if len(k) > 40:
            raise invalid(f"Metadata keys can have up to 40 characters; '{k}' has {len(k)}.", f"{name}[{k}]")
        if not isinstance(v, str):
            raise invalid("Metadata values must be strings.", f"{name}[{k}]")
        if len(v) > 500:
            raise invalid(
                f"Metadata values can have up to 500 characters, but you passed in a value that is {len(v)} "
                f"characters. Invalid value: {v[:40]}...",
                f"{name}[{k}]",
            )
        out[k] = v
    return out


def merge_metadata(current: dict[str, str], update: dict[str, str] | None, *, raw: Any) -> dict[str, str]:
    """Stripe's update semantics: keys merge, ``metadata[k]=""`` drops a key, ``metadata=""`` drops all."""
    if update is None:
        return current
    if raw == "":
        return {}
    merged = dict(current)
    for k, v in update.items():
        if v == "":
            merged.pop(k, None)
        else:
            merged[k] = v
    return merged


def created_metadata(update: dict[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (update or {}).items() if v != ""}


def range_filter(
    params: Mapping[str, Any], key: str
) -> tuple[int | None, int | None, int | None, int | None]:
    """``created`` as an integer or ``created[gt|gte|lt|lte]``: (gt, gte, lt, lte)."""
    value = params.get(key)
    if value is None or value == "":
        return None, None, None, None
    if isinstance(value, str):
        exact = get_int(params, key)
        return None, exact, None, exact
    if not isinstance(value, dict):
        raise invalid("Invalid object", key)
    check_known(value, ("gt", "gte", "lt", "lte"), prefix=key)
    return (
        get_int(value, "gt", prefix=key),
        get_int(value, "gte", prefix=key),
        get_int(value, "lt", prefix=key),
        get_int(value, "lte", prefix=key),
    )


def in_range(number: int, bounds: tuple[int | None, int | None, int | None, int | None]) -> bool:
    gt, gte, lt, lte = bounds
    return not (
        (gt is not None and number <= gt)
        or (gte is not None and number < gte)
        or (lt is not None and number >= lt)
        or (lte is not None and number > lte)
    )


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return str(value)
