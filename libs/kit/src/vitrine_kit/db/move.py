"""Moving one tenant to another database of its service, with a short pause for that tenant only.

1. Mark the tenant ``moving`` in the shard map (home database). From then on its requests answer 503
   (``tenant-moving``, ``Retry-After``) and its events wait in the first retry queue without spending an
   attempt; the move waits ``SHARD_MAP_CACHE_TTL_S`` + 1 s so every process has dropped its cached placement.
2. On the target: drop what an interrupted run may have left, then create the schema by running the tenant
   migrations (the source is brought to head first).
3. In one transaction on the source: lock the tenant's tables (``SHARE``: readers go on, writers wait), COPY
   each table out, count its rows, take its pending outbox rows (``FOR UPDATE``: not while the relay sends
   them), its inbox rows and idempotency keys, and its rows of the service's ``colocated`` tables (``FOR
   UPDATE``). In one transaction on the target: COPY in, compare the row counts (a difference rolls back and
   stops the move), set the sequences, insert the outbox, inbox, idempotency and colocated rows and the
   tenant's registry row; commit. (Rows the migrations seeded on the target are
   replaced by the source's.)
4. Switch the map (``shard=target``, ``previous=source``, ``active``).
5. In the source transaction, still holding the locks: delete those rows, drop the schema and the registry
   row; commit. Then clear ``previous``.

Idempotent and resumable: each step is recorded in the map before the next one. Interrupted before 4, a
rerun starts again from 2 (the target's partial copy is dropped); after 4, a rerun only finishes 5. Pause
of the tenant: the settle time (default 6 s) plus the copy, measured in bench/shards.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from vitrine_kit.db import colocated, pg
from vitrine_kit.db.engine import Database, schema_for
from vitrine_kit.db.migrations import head_of, upgrade_tenant_sync
from vitrine_kit.db.shards import HOME

logger = logging.getLogger(__name__)
PHASES = ("marked", "prepared", "copied", "switched", "dropped")
Phase = Callable[[str], Awaitable[None]]


class MoveRefused(ValueError):
    """The move cannot start (unknown database or tenant, another move under way)."""


class MoveFailed(RuntimeError):
    """The copy did not match the source; nothing was switched."""


@dataclass
class MoveReport:
    tenant_id: uuid.UUID
    source: str
    target: str
    outcome: str = "moved"  # or "already there", "finished" (an interrupted move's old schema dropped)
    rows: dict[str, int] = field(default_factory=dict)
    outbox: int = 0
    inbox: int = 0
    idempotency: int = 0
    colocated: int = 0  # the tenant's rows of the service's ``colocated`` tables (schedules, directories)
    paused_s: float = 0.0  # from the mark to the switch: how long the tenant answered 503
    copy_s: float = 0.0
    seconds: float = 0.0


def _move_lock(tenant_id: uuid.UUID) -> int:
    return int.from_bytes(
        hashlib.blake2b(b"move:" + tenant_id.bytes, digest_size=8).digest(), "big", signed=True
    )


async def _tables(conn: asyncpg.Connection, schema: str) -> list[str]:
    """The schema's tables, parents before the tables whose foreign keys point at them."""
    names = [
        r["relname"]
        for r in await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'alembic_version' ORDER BY c.relname",
            schema,
        )
    ]
    edges = await conn.fetch(
        "SELECT cl.relname AS child, pr.relname AS parent FROM pg_constraint co "
        "JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_class pr ON pr.oid = co.confrelid "
        "JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE co.contype = 'f' AND n.nspname = $1",
        schema,
    )
    parents: dict[str, set[str]] = {n: set() for n in names}
    for e in edges:
        if e["child"] in parents and e["parent"] in parents and e["child"] != e["parent"]:
            parents[e["child"]].add(e["parent"])
    ordered: list[str] = []
    while parents:
        ready = sorted(n for n, ps in parents.items() if not ps - set(ordered))
        if not ready:  # a cycle: keep the rest in name order (the copy fails loudly if it matters)
            ready = sorted(parents)
        for n in ready:
            ordered.append(n)
            del parents[n]
    return ordered


async def _count(conn: asyncpg.Connection, schema: str, table: str) -> int:
    # Identifiers from the catalog, quoted: no value of a user reaches the text.
    return int(await conn.fetchval(f"SELECT count(*) FROM {pg.quote(schema)}.{pg.quote(table)}"))  # noqa: S608


async def _reset_sequences(conn: asyncpg.Connection, schema: str) -> None:
    """Serial and identity sequences of the copied tables continue after the copied values."""
    rows = await conn.fetch(
        "SELECT c.relname, a.attname, pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) "
        "AS seq FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
        schema,
    )
    for r in rows:
        if r["seq"] is None:
            continue
        column, table = pg.quote(r["attname"]), f"{pg.quote(schema)}.{pg.quote(r['relname'])}"
        top = f"SELECT max({column}) FROM {table}"  # noqa: S608 (quoted identifiers from the catalog)
        await conn.execute(f"SELECT setval($1, coalesce(({top}), 0) + 1, false)", r["seq"])


async def _forget_on(conn: asyncpg.Connection, tenant_id: uuid.UUID, schema: str, *, outbox: bool) -> None:
    """Remove the tenant from one database: its schema, registry row, inbox, keys and colocated rows, and
    with ``outbox`` its pending outbox rows (copies of rows the target already has)."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {pg.quote(schema)} CASCADE")
    await colocated.forget(conn, tenant_id)
    await conn.execute("DELETE FROM shared.tenants WHERE id = $1", tenant_id)
    if outbox:
        await conn.execute(
            "DELETE FROM shared.outbox WHERE sent_at IS NULL AND body->>'tenant_id' = $1", str(tenant_id)
        )
    await conn.execute("DELETE FROM shared.inbox WHERE tenant_id = $1", tenant_id)
    await conn.execute("DELETE FROM shared.idempotency_keys WHERE tenant_id = $1", tenant_id)


async def _migrate(db: Database, shard: str, tree: Path, schema: str) -> str | None:
    async with db.engines[shard].begin() as conn:
        return await conn.run_sync(upgrade_tenant_sync, tree, schema)


async def move_tenant(
    db: Database,
    tenant_tree: Path,
    tenant_id: uuid.UUID,
    target: str,
    *,
    settle_s: float | None = None,
    on_phase: Phase | None = None,
    lock_timeout_s: float = 10.0,
) -> MoveReport:
    """Move ``tenant_id``'s schema and kit rows to the database named ``target`` (see the module doc)."""
    started = time.perf_counter()
    if not db.sharded:
        raise MoveRefused("this service has a single database: set DATABASE_SHARDS to move tenants")
    if target not in db.urls:
        raise MoveRefused(f"no database named {target!r} (this service has: {', '.join(db.urls)})")
    settle = db.shard_map.cache_ttl_s + 1.0 if settle_s is None else settle_s
    schema = schema_for(tenant_id)

    async def phase(name: str) -> None:
        logger.info("tenant move: %s", name, extra={"tenant": str(tenant_id), "target": target})
        if on_phase is not None:
            await on_phase(name)

    home = await asyncpg.connect(pg.dsn(db.urls[HOME]), timeout=10)
    try:
        # One move of a tenant at a time (a session lock: released if this process dies).
        await home.execute("SELECT pg_advisory_lock($1)", _move_lock(tenant_id))
        row = await home.fetchrow(
            "SELECT shard, state, target, previous FROM shared.tenant_shards WHERE tenant_id = $1", tenant_id
        )
        if row is None:  # provisioned before the map existed: it lives on home
            status = await home.fetchval("SELECT status FROM shared.tenants WHERE id = $1", tenant_id)
            if status != "active":
                raise MoveRefused(f"tenant {tenant_id} is not provisioned in this service")
            await home.execute(
                "INSERT INTO shared.tenant_shards (tenant_id, shard, state) VALUES ($1, 'home', 'active') "
                "ON CONFLICT DO NOTHING",
                tenant_id,
            )
            row = await home.fetchrow(
                "SELECT shard, state, target, previous FROM shared.tenant_shards WHERE tenant_id = $1",
                tenant_id,
            )
        assert row is not None
        source = row["shard"]
        report = MoveReport(tenant_id, source, target)
        if row["state"] == "moving" and row["target"] != target:
            raise MoveRefused(
                f"tenant {tenant_id} is being moved to {row['target']!r}: run the move to that database again "
                "to finish it first"
            )
        if row["state"] == "active" and row["previous"] is not None:
            # A move switched the map but did not drop the old schema: finish it.
            await _finish(db, home, tenant_id, schema, row["previous"])
            await phase("dropped")
            if source == target:
                report.outcome = "finished"
                report.seconds = time.perf_counter() - started
                return report
        elif row["state"] == "active" and source == target:
            report.outcome = "already there"
            report.seconds = time.perf_counter() - started
            return report
        if source not in db.urls:
            raise MoveRefused(f"tenant {tenant_id} is on {source!r}, a database this process was not given")

        src = await asyncpg.connect(pg.dsn(db.urls[source]), timeout=10)
        dst = await asyncpg.connect(pg.dsn(db.urls[target]), timeout=10)
        try:
            status = await src.fetchval("SELECT status FROM shared.tenants WHERE id = $1", tenant_id)
            if status != "active":
                raise MoveRefused(f"tenant {tenant_id} is {status or 'unknown'} on {source!r}")
            # 1. mark, and let every process see the mark
            await home.execute(
                "UPDATE shared.tenant_shards SET state = 'moving', target = $2 WHERE tenant_id = $1",
                tenant_id,
                target,
            )
            db.shard_map.invalidate(tenant_id)
            paused_from = time.perf_counter()
            await phase("marked")
            await asyncio.sleep(settle)
            # 2. the target's schema, by the migrations (what an interrupted run left is dropped first)
            await _forget_on(dst, tenant_id, schema, outbox=False)
            head = head_of(tenant_tree)
            src_rev = await src.fetchval(f"SELECT version_num FROM {pg.quote(schema)}.alembic_version")  # noqa: S608
            if src_rev != head:
                await _migrate(db, source, tenant_tree, schema)
            revision = await _migrate(db, target, tenant_tree, schema)
            await phase("prepared")
            # 3. copy under the source's locks, verify, commit on the target
            copy_started = time.perf_counter()
            await src.execute(f"SET lock_timeout = '{int(lock_timeout_s * 1000)}ms'")
            src_tx = src.transaction()
            await src_tx.start()
            try:
                tables = await _tables(src, schema)
                for table in tables:
                    await src.execute(f"LOCK TABLE {pg.quote(schema)}.{pg.quote(table)} IN SHARE MODE")
                dumps: dict[str, tuple[list[str], io.BytesIO, int]] = {}
                for table in tables:
                    columns = await pg.columns(src, schema, table)
                    buffer = io.BytesIO()
                    await src.copy_from_table(table, schema_name=schema, columns=columns, output=buffer)
                    dumps[table] = (columns, buffer, await _count(src, schema, table))
                outbox = await src.fetch(
                    "SELECT seq, id, routing_key, body::text AS body, created_at, attempts, last_error "
                    "FROM shared.outbox WHERE sent_at IS NULL AND body->>'tenant_id' = $1 ORDER BY seq "
                    "FOR UPDATE",
                    str(tenant_id),
                )
                inbox = await src.fetch(
                    "SELECT consumer, message_id, event_type, tenant_id, processed_at FROM shared.inbox "
                    "WHERE tenant_id = $1",
                    tenant_id,
                )
                keys = await src.fetch(
                    "SELECT tenant_id, key, request_hash, status, headers::text AS headers, body, created_at, "
                    "expires_at FROM shared.idempotency_keys WHERE tenant_id = $1",
                    tenant_id,
                )
                rows_along = await colocated.take(src, tenant_id)
                created_at = await src.fetchval(
                    "SELECT created_at FROM shared.tenants WHERE id = $1", tenant_id
                )
                async with dst.transaction():
                    # Rows the migrations wrote (seeds) give way to the source's.
                    if tables:
                        await dst.execute(
                            f"TRUNCATE {', '.join(f'{pg.quote(schema)}.{pg.quote(t)}' for t in tables)}"
                        )
                    for table in tables:
                        columns, buffer, expected = dumps[table]
                        buffer.seek(0)
                        await dst.copy_to_table(table, schema_name=schema, columns=columns, source=buffer)
                        copied = await _count(dst, schema, table)
                        if copied != expected:
                            raise MoveFailed(
                                f"{schema}.{table}: {copied} rows on {target!r}, {expected} on {source!r}"
                            )
                        report.rows[table] = copied
                    await _reset_sequences(dst, schema)
                    await dst.executemany(
                        "INSERT INTO shared.outbox (id, routing_key, body, created_at, attempts, last_error) "
                        "VALUES ($1, $2, $3::jsonb, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                        [
                            (
                                r["id"],
                                r["routing_key"],
                                r["body"],
                                r["created_at"],
                                r["attempts"],
                                r["last_error"],
                            )
                            for r in outbox
                        ],
                    )
                    await dst.executemany(
                        "INSERT INTO shared.inbox (consumer, message_id, event_type, tenant_id, processed_at) "
                        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                        [tuple(r) for r in inbox],
                    )
                    await dst.executemany(
                        "INSERT INTO shared.idempotency_keys (tenant_id, key, request_hash, status, headers, "
                        "body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) "
                        "ON CONFLICT DO NOTHING",
                        [tuple(r) for r in keys],
                    )
                    await colocated.put(dst, rows_along, replace=tenant_id)
                    await dst.execute(
                        "INSERT INTO shared.tenants (id, schema_name, status, revision, migrated_at, created_at) "
                        "VALUES ($1, $2, 'active', $3, now(), coalesce($4, now())) ON CONFLICT (id) DO UPDATE "
                        "SET status = 'active', revision = excluded.revision, migrated_at = now(), "
                        "last_error = NULL, deleted_at = NULL",
                        tenant_id,
                        schema,
                        revision,
                        created_at,
                    )
                report.outbox, report.inbox, report.idempotency = len(outbox), len(inbox), len(keys)
                report.colocated = sum(len(part.records) for part in rows_along)
                report.copy_s = time.perf_counter() - copy_started
                await phase("copied")
                # 4. switch
                await home.execute(
                    "UPDATE shared.tenant_shards SET shard = $2, state = 'active', target = NULL, "
                    "previous = $3, moved_at = now() WHERE tenant_id = $1",
                    tenant_id,
                    target,
                    source,
                )
                db.shard_map.invalidate(tenant_id)
                report.paused_s = time.perf_counter() - paused_from
                await phase("switched")
                # 5. the source forgets the tenant, in the transaction that still holds its locks
                await src.execute(
                    "DELETE FROM shared.outbox WHERE seq = ANY($1::bigint[])", [r["seq"] for r in outbox]
                )
                await _forget_on(src, tenant_id, schema, outbox=False)
                await src_tx.commit()
            except BaseException:
                await src_tx.rollback()
                raise
            await home.execute(
                "UPDATE shared.tenant_shards SET previous = NULL WHERE tenant_id = $1", tenant_id
            )
            await phase("dropped")
        finally:
            await src.close()
            await dst.close()
    finally:
        await home.close()
    report.seconds = time.perf_counter() - started
    logger.info(
        "tenant moved",
        extra={
            "tenant": str(tenant_id),
            "source": report.source,
            "target": target,
            "rows": sum(report.rows.values()),
            "paused_s": round(report.paused_s, 2),
        },
    )
    return report


async def _finish(
    db: Database, home: asyncpg.Connection, tenant_id: uuid.UUID, schema: str, previous: str
) -> None:
    """Drop what a switched move left on its source database."""
    if previous not in db.urls:
        raise MoveRefused(f"the old copy is on {previous!r}, a database this process was not given")
    old = await asyncpg.connect(pg.dsn(db.urls[previous]), timeout=10)
    try:
        async with old.transaction():
            await _forget_on(old, tenant_id, schema, outbox=True)
    finally:
        await old.close()
    await home.execute("UPDATE shared.tenant_shards SET previous = NULL WHERE tenant_id = $1", tenant_id)
