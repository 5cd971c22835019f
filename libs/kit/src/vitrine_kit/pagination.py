"""One page shape for every list that pages, and opaque cursors.

A list answers ``{"items": [...], "next_cursor": "..."}``; the client passes ``next_cursor`` back as
``?cursor=`` for the next page and stops when it is ``null``. A cursor is the keyset position of the last
item (values a service chooses, e.g. ``[created_at, id]``) as URL-safe base64 of JSON: opaque to clients,
checked on the way back — a cursor that does not decode to the expected shape is a 422 ``invalid-cursor``,
never a 500 or a silently wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from vitrine_kit.errors import Unprocessable

T = TypeVar("T")
MAX_CURSOR_LENGTH = 500


class InvalidCursor(Unprocessable):
    code, title = "invalid-cursor", "The cursor is not valid"


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
