"""Stripe's search query language, the part customers and prices need:
``email:'a@b.c'``, ``name~'ann'``, ``metadata['tenant_id']:'t1'``, ``created>1700000000``, ``-active:'false'``,
clauses joined by ``AND`` or by ``OR`` (not both). Search here sees writes at once (Stripe's can lag)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox_stripe.errors import invalid

_CLAUSE = re.compile(
    r"""\s*(?P<neg>-)?(?P<field>[a-z_]+)(?:\[(?P<q>['"])(?P<key>.+?)(?P=q)\])?\s*"""
    r"""(?P<op>:|~|>=|<=|>|<)\s*"""
    r"""(?:'(?P<s1>(?:[^'\\]|\\.)*)'|"(?P<s2>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s]+))\s*"""
)
_JOIN = re.compile(r"\s*(AND|OR)\s+")

Getter = Callable[[dict[str, Any]], Any]


def _clauses(query: str) -> tuple[list[re.Match[str]], str | None]:
    clauses: list[re.Match[str]] = []
    joiner: str | None = None
    position = 0
    while True:
        match = _CLAUSE.match(query, position)
        if match is None:
            raise invalid(f"Invalid search query: {query}", "query")
        clauses.append(match)
        position = match.end()
        if position >= len(query.rstrip()):
            return clauses, joiner
        join = _JOIN.match(query, position)
        if join is None:
            raise invalid(f"Invalid search query: {query}", "query")
        if joiner is not None and join.group(1) != joiner:
            raise invalid("Search queries cannot mix AND and OR.", "query")
        joiner = join.group(1)
        position = join.end()


def matcher(query: str, resource: str, fields: dict[str, Getter]) -> Callable[[dict[str, Any]], bool]:
    """A predicate for ``query`` over objects whose searchable ``fields`` are given by getters."""
    clauses, joiner = _clauses(query.strip())
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for clause in clauses:
        field = clause.group("field")
        key = clause.group("key")
        if field == "metadata":
            if key is None:
                raise invalid("Search on metadata needs a key: metadata['key']:'value'.", "query")
            getter = _metadata_getter(key)
        elif field in fields:
            getter = fields[field]
        else:
            raise invalid(
                f"Field `{field}` is an unsupported search field for resource `{resource}`. See "
                f"http://stripe.com/docs/search#query-fields-for-{resource} for a list of supported fields.",
                "query",
            )
        raw = clause.group("s1") if clause.group("s1") is not None else clause.group("s2")
        value = raw if raw is not None else clause.group("bare")
        tests.append(_test(getter, clause.group("op"), value, raw is None, bool(clause.group("neg"))))
    if joiner == "OR":
        return lambda obj: any(t(obj) for t in tests)
    return lambda obj: all(t(obj) for t in tests)


def _metadata_getter(key: str) -> Getter:
    def getter(obj: dict[str, Any]) -> Any:
        return (obj.get("metadata") or {}).get(key)

    return getter


def _test(getter: Getter, op: str, value: str, bare: bool, negate: bool) -> Callable[[dict[str, Any]], bool]:
    def check(obj: dict[str, Any]) -> bool:
        actual = getter(obj)
        if op == ":":
            if bare and value == "null":
                result = actual is None
            elif isinstance(actual, bool):
                result = str(actual).lower() == value.lower()
            else:
                result = actual is not None and str(actual).lower() == value.lower()
        elif op == "~":
            if len(value) < 3:
                raise invalid("Substring search (~) needs at least 3 characters.", "query")
            result = actual is not None and value.lower() in str(actual).lower()
        else:
            try:
                number, limit = float(actual), float(value)
            except (TypeError, ValueError):
                return False
            result = {
                ">": number > limit,
                "<": number < limit,
                ">=": number >= limit,
                "<=": number <= limit,
            }[op]
        return not result if negate else result

    return check
