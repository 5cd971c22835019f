"""The inbox's batch insert: one statement whatever the batch's size, new ids only, a message twice once."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from vitrine_contracts import RawEnvelope
from vitrine_kit.db.engine import Database
from vitrine_kit.db.models import InboxMessage
from vitrine_kit.events.inbox import record_many, record_one


async def test_a_batch_records_each_new_message_once(kit_db: str) -> None:
    db = Database(kit_db, pool_size=1, max_overflow=0)
    consumer, tenant = f"test.inbox.{uuid.uuid4().hex[:6]}", uuid.uuid4()
    first = [RawEnvelope(type="a.b", producer="p", payload={}, tenant_id=tenant) for _ in range(3)]
    try:
        async with db.session() as session:
            assert await record_one(session, consumer, first[0])
            await session.commit()
        later = [RawEnvelope(type="a.c", producer="p", payload={}) for _ in range(2)]
        async with db.session() as session:
            new = await record_many(session, consumer, [*first, first[1], *later])
            await session.commit()
        assert new == {first[1].id, first[2].id, *(e.id for e in later)}
        async with db.session() as session:
            assert await record_many(session, consumer, first) == set()
            assert not await record_one(session, consumer, later[0])
            rows = (
                await session.execute(
                    sa.select(InboxMessage.message_id, InboxMessage.event_type, InboxMessage.tenant_id).where(
                        InboxMessage.consumer == consumer
                    )
                )
            ).all()
        assert sorted(rows) == sorted(
            [(e.id, "a.b", tenant) for e in first] + [(e.id, "a.c", None) for e in later]
        )
    finally:
        await db.dispose()
