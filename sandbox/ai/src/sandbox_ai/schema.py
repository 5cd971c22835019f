"""Response schemas in one dialect.

Gemini's ``responseSchema`` is an OpenAPI subset (``"type": "OBJECT"``, ``nullable``, and the SDK sends
keys such as ``min_items``/``property_ordering`` in snake case); ``responseJsonSchema`` and OpenAI's
``json_schema`` are JSON Schema (``$ref``/``$defs``, ``anyOf`` with ``{"type": "null"}``). ``normalise``
turns any of them into JSON Schema with camelCase keywords and lower-case types; ``resolve`` follows
``$ref`` and merges ``allOf`` lazily (schemas may be recursive).
"""

from __future__ import annotations

from typing import Any

SCHEMA_MAPS = {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"}
SCHEMA_VALUES = {"items", "additionalProperties", "not", "anyOf", "oneOf", "allOf", "prefixItems", "contains"}
INT_KEYWORDS = {"minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"}
NUM_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def normalise(node: Any) -> Any:
    if isinstance(node, list):
        return [normalise(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for raw, value in node.items():
        name = raw if raw.startswith("$") else ("$" + raw if raw in ("defs", "ref") else _camel(raw))
        if name in SCHEMA_MAPS and isinstance(value, dict):
            out[name] = {k: normalise(v) for k, v in value.items()}
        elif name in SCHEMA_VALUES:
            out[name] = normalise(value)
        elif name == "type":
            if isinstance(value, list):
                out[name] = [str(t).lower() for t in value]
            else:
                lowered = str(value).lower()
                if lowered in TYPES:
                    out[name] = lowered
        elif name in INT_KEYWORDS or name in NUM_KEYWORDS:
            out[name] = _number(value)
        else:
            out[name] = value
    if out.get("nullable") is True and "type" in out:
        current = out["type"] if isinstance(out["type"], list) else [out["type"]]
        if "null" not in current:
            out["type"] = [*current, "null"]
    return out


def _pointer(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#"):
        raise KeyError(ref)
    node: Any = root
    for part in ref[1:].split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise KeyError(ref)
    return node


def resolve(node: Any, root: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """``node`` with ``$ref`` followed (its siblings win) and ``allOf`` merged."""
    if not isinstance(node, dict):
        return {}
    if "$ref" in node and depth < 32:
        try:
            target = resolve(_pointer(root, str(node["$ref"])), root, depth + 1)
        except (KeyError, IndexError, TypeError):
            target = {}
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "allOf" in node and depth < 32:
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            sub = resolve(part, root, depth + 1)
            for k, v in sub.items():
                if k == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **v}
                elif k == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *v]))
                else:
                    merged.setdefault(k, v)
        node = merged
    return dict(node)


def types_of(node: dict[str, Any]) -> list[str]:
    """The types a value may take, ``null`` included when it is allowed."""
    declared = node.get("type")
    found: list[str] = (
        list(declared) if isinstance(declared, list) else ([declared] if isinstance(declared, str) else [])
    )
    if not found:
        if "properties" in node or "additionalProperties" in node:
            found = ["object"]
        elif "items" in node or "prefixItems" in node:
            found = ["array"]
        elif "enum" in node or "const" in node:
            values = node.get("enum") or [node.get("const")]
            found = list(dict.fromkeys(_json_type(v) for v in values))
        elif any(k in node for k in ("minLength", "maxLength", "pattern", "format")):
            found = ["string"]
        elif any(k in node for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")):
            found = ["number"]
    if node.get("nullable") is True and "null" not in found:
        found.append("null")
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def property_names(schema: dict[str, Any], root: dict[str, Any] | None = None, prefix: str = "") -> list[str]:
    """Property names, nested ones dotted (``items[].brand``), for the request log."""
    root = root if root is not None else schema
    names: list[str] = []
    seen: set[int] = set()

    def walk(node: Any, path: str, depth: int) -> None:
        node = resolve(node, root)
        if depth > 6 or id(node) in seen:
            return
        for branch in node.get("anyOf", []) + node.get("oneOf", []):
            walk(branch, path, depth + 1)
        for name, sub in (node.get("properties") or {}).items():
            full = f"{path}.{name}" if path else name
            names.append(full)
            walk(sub, full, depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", depth + 1)

    walk(schema, prefix, 0)
    return list(dict.fromkeys(names))


def strict_problem(schema: dict[str, Any]) -> str | None:
    """What OpenAI's strict Structured Outputs refuses: an object without ``additionalProperties: false``
    or whose ``required`` does not list every property. None when the schema passes."""

    def walk(node: Any, context: tuple[str, ...], depth: int) -> str | None:
        if depth > 16:
            return None
        if not isinstance(node, dict):
            return None
        if "$ref" in node:
            return None  # checked where it is defined ($defs)
        kinds = types_of(node)
        if "object" in kinds and "properties" in node:
            if node.get("additionalProperties") is not False:
                return f"In context={context}, 'additionalProperties' is required to be supplied and to be false."
            missing = [k for k in node["properties"] if k not in (node.get("required") or [])]
            if missing:
                return (
                    f"In context={context}, 'required' is required to be supplied and to be an array "
                    f"including every key in properties. Missing '{missing[0]}'."
                )
        for name, sub in (node.get("properties") or {}).items():
            if (problem := walk(sub, (*context, "properties", name), depth + 1)) is not None:
                return problem
        for keyword in ("$defs", "definitions"):
            for name, sub in (node.get(keyword) or {}).items():
                if (problem := walk(sub, (*context, keyword, name), depth + 1)) is not None:
                    return problem
        items = node.get("items")
        if isinstance(items, dict) and (problem := walk(items, (*context, "items"), depth + 1)) is not None:
            return problem
        for keyword in ("anyOf", "oneOf", "allOf"):
            for i, sub in enumerate(node.get(keyword) or []):
                if (problem := walk(sub, (*context, keyword, str(i)), depth + 1)) is not None:
                    return problem
        return None

    return walk(normalise(schema), (), 0)
