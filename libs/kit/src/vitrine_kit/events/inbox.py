"""The inbox's inserts: a handled message's row, written in its handler's transaction (redelivery: a no-op)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Envelope

from vitrine_kit.db.models import InboxMessage

_TABLE = cast(sa.Table, InboxMessage.__table__)  # Core: the ORM's bulk insert takes no INSERT … SELECT
_COLUMNS = [_TABLE.c.consumer, _TABLE.c.message_id, _TABLE.c.event_type, _TABLE.c.tenant_id]

# One statement whatever the batch's size: its rows come as three arrays (``unnest``), so PostgreSQL
# prepares it once and SQLAlchemy renders it once, instead of one VALUES tuple (four parameters) per row.
_rows = (
    sa.func.unnest(
        sa.bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
        sa.bindparam("types", type_=ARRAY(sa.String)),
        sa.bindparam("tenants", type_=ARRAY(UUID(as_uuid=True))),
    )
    .table_valued("message_id", "event_type", "tenant_id")
    .render_derived(name="batch")
)
_INSERT_MANY = (
    insert(_TABLE)
    .from_select(
        _COLUMNS,
        sa.select(
            sa.bindparam("consumer", type_=sa.String),
            _rows.c.message_id,
            _rows.c.event_type,
            _rows.c.tenant_id,
        ),
    )
    .on_conflict_do_nothing()
    .returning(_TABLE.c.message_id)
)


async def record_many(
    session: AsyncSession, consumer: str, envelopes: Sequence[Envelope[Any]]
) -> set[uuid.UUID]:
    """Insert the envelopes' inbox rows; returns the ids that were new (a message already handled, or twice in
    ``envelopes``, is not)."""
    result = await session.execute(
        _INSERT_MANY,
        {
            "consumer": consumer,
            "ids": [e.id for e in envelopes],
            "types": [e.type for e in envelopes],
            "tenants": [e.tenant_id for e in envelopes],
        },
    )
    return set(result.scalars())


async def record_one(session: AsyncSession, consumer: str, envelope: Envelope[Any]) -> bool:
    """Insert one envelope's inbox row; ``False`` if this consumer has handled the message already."""
    statement = (
        insert(InboxMessage)
        .values(
            consumer=consumer, message_id=envelope.id, event_type=envelope.type, tenant_id=envelope.tenant_id
        )
        .on_conflict_do_nothing()
        .returning(InboxMessage.message_id)
    )
    return (await session.execute(statement)).scalar() is not None


async def handled(session: AsyncSession, consumer: str, message_id: uuid.UUID) -> bool:
    """Whether ``consumer`` has handled the message already (read before a ``prepare`` step: a redelivered
    message is not prepared again)."""
    found = await session.scalar(
        sa.select(InboxMessage.message_id).where(
            InboxMessage.consumer == consumer, InboxMessage.message_id == message_id
        )
    )
    return found is not None
