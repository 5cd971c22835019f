from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from vitrine_kit.pagination import InvalidCursor, Keyset, Page, decode_cursor, encode_cursor

POSITION = TypeAdapter(tuple[datetime, uuid.UUID])


@pytest.mark.unit
class TestCursors:
    def test_a_position_comes_back_as_it_went(self) -> None:
        position = (datetime(2026, 12, 1, 5, 49, tzinfo=UTC), uuid.uuid4())
        cursor = encode_cursor(position)
        assert "=" not in cursor
        assert decode_cursor(cursor, POSITION) == position

    @pytest.mark.parametrize(
        "cursor",
        ["nonsense", "???", "", encode_cursor(["not a date", "not an id"]), encode_cursor(42), "e30"],
    )
    def test_anything_else_is_invalid(self, cursor: str) -> None:
        with pytest.raises(InvalidCursor) as raised:
            decode_cursor(cursor, POSITION)
        assert raised.value.status == 422
        assert raised.value.code == "invalid-cursor"


@pytest.mark.unit
class TestPage:
    def test_one_shape_for_every_list(self) -> None:
        schema = Page[int].model_json_schema()
        assert schema["required"] == ["items"]
        assert set(schema["properties"]) == {"items", "next_cursor"}
        assert Page[int](items=[1, 2]).model_dump() == {"items": [1, 2], "next_cursor": None}


@pytest.mark.unit
class TestKeyset:
    def test_a_bad_cursor_names_the_parameter(self) -> None:
        with pytest.raises(InvalidCursor) as raised:
            decode_cursor("nonsense", POSITION)
        assert [e["field"] for e in raised.value.extra["errors"]] == ["query.cursor"]

    def test_the_next_cursor_is_the_last_item_kept(self) -> None:
        class Base(DeclarativeBase):
            pass

        class Row(Base):
            __tablename__ = "keyset_rows"
            id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
            at: Mapped[datetime] = mapped_column()

        order = Keyset((Row.at, Row.id), POSITION)
        rows = [Row(id=uuid.uuid4(), at=datetime(2026, 12, 1, tzinfo=UTC)) for _ in range(3)]
        items, cursor = order.page(rows, 2)
        assert items == rows[:2]
        assert cursor is not None
        assert decode_cursor(cursor, POSITION) == (rows[1].at, rows[1].id)
        assert order.page(rows, 3) == (rows, None)

    def test_a_service_s_own_refusal_names_the_parameter_too(self) -> None:
        refusal = InvalidCursor("The cursor belongs to another sort.")
        assert refusal.extra["errors"][0]["field"] == "query.cursor"
