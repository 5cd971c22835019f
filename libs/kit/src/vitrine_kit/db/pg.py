"""Plain asyncpg for what copies rows between databases (``move``, ``colocated``): its DSN, quoted names,
a table's columns."""

from __future__ import annotations

import asyncpg


def dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def quote(name: str) -> str:
    """An identifier quoted for SQL text."""
    return '"' + name.replace('"', '""') + '"'


async def columns(conn: asyncpg.Connection, schema: str, table: str) -> list[str]:
    """The table's columns a copy writes (not dropped, not generated), in their order."""
    rows = await conn.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(format('%I.%I', $1::text, $2::text)) "
        "AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        schema,
        table,
    )
    return [r["attname"] for r in rows]
