"""One page shape for every list that pages, and opaque cursors.

A list answers ``{"items": [...], "next_cursor": "..."}``; the client passes ``next_cursor`` back as
``?cursor=`` for the next page and stops when it is ``null``. A cursor is the keyset position of the last
item (values a service chooses, e.g. ``[created_at, id]``) as URL-safe base64 of JSON: opaque to clients,
checked on the way back — a cursor that does not decode to the expected shape is a 422 ``invalid-cursor``,
never a 500 or a silently wrong page.

:class:`Keyset` is the usual order: a few columns in one direction, the last one unique (the id), so that
rows inserted while a client pages never shift a page (no duplicate, no gap among the rows that were there).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.orm import InstrumentedAttribute

from vitrine_kit.errors import Unprocessable

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound=sa.Select[*tuple[Any, ...]])
MAX_CURSOR_LENGTH = 500
MAX_LIMIT = 100


class InvalidCursor(Unprocessable):
    code, title = "invalid-cursor", "The cursor is not valid"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        # Named like a validation error of the parameter, so a client handles both the same way.
        error = {"field": "query.cursor", "message": detail or self.title, "type": "invalid_cursor"}
        extra.setdefault("errors", [error])
        super().__init__(detail, **extra)


class Page(BaseModel, Generic[T]):
    """A page of a list: its items, and the cursor of the next page (``null`` on the last one)."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as ``cursor`` to get the next page; null on the last page"
    )


# The ``cursor`` query parameter of every paged list.
Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR_LENGTH, description="The ``next_cursor`` of the previous page"),
]

# The ``limit`` query parameter of every paged list (its default is the endpoint's).
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}")]


def encode_cursor(position: Any) -> str:
    """The opaque cursor of a keyset ``position`` (anything JSON-serialisable by pydantic, e.g. a tuple)."""
    raw = TypeAdapter(Any).dump_json(position)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, shape: TypeAdapter[T]) -> T:
    """The position in ``cursor``, validated as ``shape`` (e.g. ``TypeAdapter(tuple[datetime, UUID])``).

    Raises :class:`InvalidCursor` (422) for anything this API did not hand out.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return shape.validate_python(json.loads(raw))
    except (binascii.Error, ValueError, UnicodeDecodeError, ValidationError) as exc:
        raise InvalidCursor("The cursor is not one this API gave; start again without it.") from exc


@dataclass(frozen=True)
class Keyset(Generic[T]):
    """A list's stable order: ``columns`` all ascending or all descending, the last one unique (a tiebreak).

    ``shape`` validates the position a cursor carries (one value per column, e.g.
    ``TypeAdapter(tuple[datetime, UUID])``). ``position`` reads a row's values of ``columns`` (by default its
    attributes of the columns' names; give it when a column is an expression). Back the order with an index
    on the same columns when the table can grow.
    """

    columns: tuple[InstrumentedAttribute[Any] | sa.ColumnElement[Any], ...]
    shape: TypeAdapter[T]
    descending: bool = True
    position: Callable[[Any], tuple[Any, ...]] | None = None

    def select(self, stmt: S, *, limit: int, cursor: str | None) -> S:
        """``stmt`` ordered, started after ``cursor``'s position, one row more than ``limit`` (is there a next?)."""
        if cursor:
            position = decode_cursor(cursor, self.shape)
            values = sa.tuple_(*(sa.literal(v) for v in position))  # type: ignore[attr-defined]
            keys = sa.tuple_(*self.columns)
            stmt = stmt.where(keys < values if self.descending else keys > values)
        order = [c.desc() if self.descending else c.asc() for c in self.columns]
        return stmt.order_by(*order).limit(limit + 1)

    def page(self, rows: Sequence[R], limit: int) -> tuple[list[R], str | None]:
        """The first ``limit`` rows and the cursor after the last of them (``None`` when nothing follows)."""
        items = list(rows[:limit])
        if len(rows) <= limit:
            return items, None
        last = items[-1]
        if self.position is not None:
            return items, encode_cursor(self.position(last))
        return items, encode_cursor(tuple(getattr(last, str(c.key)) for c in self.columns))
