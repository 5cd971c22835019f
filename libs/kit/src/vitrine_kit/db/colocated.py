"""Rows of schema ``colocated``: a service's per-tenant rows that its loops scan (schedules, directories).

Each database has the schema; a tenant's rows live in the tenant's database, so the transaction that changes
the tenant's data writes them too, on one database (no commit on two databases one after the other). Each
loop scans every database (``Database.database_session``). A move takes the tenant's rows along
(``take``/``put``/``forget``, called by ``vitrine_kit.db.move``), and ``settle`` carries rows found on a
database that is not their tenant's (rows written on home before a table became colocated, or by a process
that ran older code) to the tenant's database: the target keeps what it already has, then the source's copy
is deleted, so an interruption at any point leaves every row in one place or in both, never in none, and a
rerun finishes (``migrate`` runs it on every deploy).

A colocated table's primary key must be the same wherever the row is (ids from the tenant or UUIDs, not a
per-database sequence): a row is copied as it is, and a key already taken on the target keeps the target's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from vitrine_kit.db import pg
from vitrine_kit.db.base import COLOCATED_SCHEMA
from vitrine_kit.db.shards import HOME

logger = logging.getLogger(__name__)


def _table(name: str) -> str:
    return f"{pg.quote(COLOCATED_SCHEMA)}.{pg.quote(name)}"


@dataclass(frozen=True)
class Rows:
    """One table's rows of one tenant, as read from a database."""

    table: str
    columns: list[str]
    records: list[asyncpg.Record]


async def tables(conn: asyncpg.Connection) -> list[str]:
    """The ``colocated`` tables of a database (each has a ``tenant_id`` column)."""
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped "
        "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        COLOCATED_SCHEMA,
    )
    return [r["relname"] for r in rows]


async def take(conn: asyncpg.Connection, tenant_id: uuid.UUID, *, remove: bool = False) -> list[Rows]:
    """The tenant's rows of every ``colocated`` table, locked until the caller's transaction ends (``FOR
    UPDATE``: a loop holding one is waited for), or with ``remove`` deleted (and returned): exactly the rows
    read, nothing written meanwhile. Call inside a transaction."""
    found = []
    for table in await tables(conn):
        columns = await pg.columns(conn, COLOCATED_SCHEMA, table)
        listed = ", ".join(pg.quote(c) for c in columns)
        # Identifiers from the catalog, quoted: no value of a user reaches the text.
        query = (
            f"DELETE FROM {_table(table)} WHERE tenant_id = $1 RETURNING {listed}"  # noqa: S608
            if remove
            else f"SELECT {listed} FROM {_table(table)} WHERE tenant_id = $1 FOR UPDATE"  # noqa: S608
        )
        found.append(Rows(table, columns, await conn.fetch(query, tenant_id)))
    return found


async def put(conn: asyncpg.Connection, rows: list[Rows], *, replace: uuid.UUID | None = None) -> int:
    """Insert the rows (a row whose key is already there is kept as it is); with ``replace``, that tenant's
    rows on this database are deleted first. Call inside a transaction; returns how many rows were new."""
    added = 0
    for part in rows:
        if replace is not None:
            await conn.execute(f"DELETE FROM {_table(part.table)} WHERE tenant_id = $1", replace)  # noqa: S608
        if not part.records:
            continue
        staging = pg.quote(f"incoming_{part.table}")
        await conn.execute(
            f"CREATE TEMP TABLE {staging} (LIKE {_table(part.table)} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        await conn.copy_records_to_table(
            f"incoming_{part.table}", records=[tuple(r) for r in part.records], columns=part.columns
        )
        listed = ", ".join(pg.quote(c) for c in part.columns)
        status = await conn.execute(
            f"INSERT INTO {_table(part.table)} ({listed}) SELECT {listed} FROM {staging} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        await conn.execute(f"DROP TABLE {staging}")
        added += int(status.rsplit(" ", 1)[-1])
    return added


async def forget(conn: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    """Delete the tenant's rows of every ``colocated`` table of this database."""
    for table in await tables(conn):
        await conn.execute(f"DELETE FROM {_table(table)} WHERE tenant_id = $1", tenant_id)  # noqa: S608


async def _strays(
    home: asyncpg.Connection, conn: asyncpg.Connection, name: str, known: set[str]
) -> dict[uuid.UUID, str]:
    """The tenants with ``colocated`` rows on database ``name`` that the map places elsewhere (skipping
    those being moved: the move takes their rows)."""
    tenants: set[uuid.UUID] = set()
    for table in await tables(conn):
        query = f"SELECT DISTINCT tenant_id FROM {_table(table)}"  # noqa: S608 (a name from the catalog)
        tenants |= {r["tenant_id"] for r in await conn.fetch(query)}
    if not tenants:
        return {}
    placed = {
        r["tenant_id"]: r
        for r in await home.fetch(
            "SELECT tenant_id, shard, state, previous FROM shared.tenant_shards WHERE tenant_id = ANY($1)",
            list(tenants),
        )
    }
    strays = {}
    for tenant in tenants:
        row = placed.get(tenant)
        if row is not None and (row["state"] != "active" or row["previous"] is not None):
            continue
        where = HOME if row is None else row["shard"]
        if where == name:
            continue
        if where not in known:
            logger.warning("colocated rows of a tenant on an unknown database", extra={"shard": where})
            continue
        strays[tenant] = where
    return strays


def _carried(tenant: uuid.UUID, source: str, target: str, rows: int) -> None:
    logger.info(
        "colocated rows carried",
        extra={"tenant": str(tenant), "source": source, "target": target, "rows": rows},
    )


async def settle(urls: Mapping[str, str]) -> dict[str, int]:
    """Carry every ``colocated`` row that sits on a database other than its tenant's to the tenant's database
    (see the module doc); returns how many rows each database received. Nothing to do with one database."""
    received = dict.fromkeys(urls, 0)
    if len(urls) < 2:
        return received
    conns = {name: await asyncpg.connect(pg.dsn(url), timeout=10) for name, url in urls.items()}
    try:
        for name, conn in conns.items():
            for tenant, where in (await _strays(conns[HOME], conn, name, set(urls))).items():
                # Deleted here and committed there first: a crash in between leaves both copies (a rerun
                # keeps the target's), never none.
                async with conn.transaction():
                    rows = await take(conn, tenant, remove=True)
                    async with conns[where].transaction():
                        added = await put(conns[where], rows)
                    received[where] += added
                    _carried(tenant, name, where, added)
    finally:
        for conn in conns.values():
            await conn.close()
    return received
