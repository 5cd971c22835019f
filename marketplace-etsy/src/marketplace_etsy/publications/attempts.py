"""Attempts at a publication command: publication id + attempt number, and deliveries of each attempt.

A command message is one attempt (catalog sends a new one to retry, with a new id); a redelivery of the same
message is the same attempt. The count is written in a transaction of its own, so it survives the handler's
rollback: the last delivery can then tell the seller instead of dead-lettering in silence. This breaks the
one-transaction rule on purpose, and so does ``publication.started``, emitted in the same transaction so the
seller sees the listing under way while Etsy's calls run.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import PublicationStarted
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow

from marketplace_etsy.models import CommandAction, CommandAttempt
from marketplace_etsy.scope import Scope


@dataclass(frozen=True)
class Attempt:
    number: int  # which attempt at this publication command (a new command from catalog is a new one)
    delivery: int  # how many times this attempt's message has been delivered


def lock_key(publication_id: uuid.UUID) -> int:
    digest = hashlib.blake2b(b"etsy-publication:" + publication_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_publication(session: AsyncSession, publication_id: uuid.UUID) -> None:
    """One command per publication at a time, across replicas (held until the handler's transaction ends)."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(publication_id))))


async def count_attempt(
    scope: Scope,
    publication_id: uuid.UUID,
    action: CommandAction,
    *,
    started: tuple[uuid.UUID, Marketplace] | None = None,
) -> Attempt:
    """Count this delivery (its own transaction); with ``started`` (product id, marketplace), the first
    delivery of an attempt also emits ``publication.started``."""
    ctx, envelope = scope.context, scope.envelope
    message_id = envelope.id if envelope is not None else uuid.uuid4()
    now = utcnow()
    number = (
        sa.select(sa.func.coalesce(sa.func.max(CommandAttempt.attempt), 0) + 1)
        .where(CommandAttempt.publication_id == publication_id, CommandAttempt.action == action)
        .scalar_subquery()
    )
    async with ctx.db.session() as session:
        row = (
            await session.execute(
                insert(CommandAttempt)
                .values(
                    message_id=message_id,
                    publication_id=publication_id,
                    action=action,
                    attempt=number,
                    deliveries=1,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_update(
                    index_elements=[CommandAttempt.message_id],
                    set_={"deliveries": CommandAttempt.deliveries + 1, "updated_at": now},
                )
                .returning(CommandAttempt.attempt, CommandAttempt.deliveries)
            )
        ).one()
        attempt = Attempt(number=int(row[0]), delivery=int(row[1]))
        if started is not None and attempt.delivery == 1:
            product_id, marketplace = started
            ctx.outbox.add(
                session,
                PublicationStarted(
                    publication_id=publication_id,
                    product_id=product_id,
                    marketplace=marketplace,
                    attempt=attempt.number,
                ),
                tenant_id=scope.tenant_id,
                correlation_id=envelope.correlation_id if envelope else None,
                causation_id=envelope.id if envelope else None,
            )
        await session.commit()
    return attempt
