"""Attempts at a publication command: publication id + attempt number, and deliveries of each attempt.

A command message is one attempt (catalog sends a new one to retry, with a new id); a redelivery of the same
message is the same attempt. The count is written in a transaction of its own, so it survives the handler's
rollback: the last delivery can then tell the seller instead of dead-lettering in silence. This breaks the
one-transaction rule on purpose, and so does ``publication.started``, emitted in the same transaction so the
seller sees the listing under way while Etsy's calls run.

Etsy is called before the message's transaction (the consumer's ``prepare`` step, no connection held), so
commands of one publication are kept one at a time by a claim row (``etsy_command_claims``) instead of a
lock held for the whole handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Envelope
from vitrine_contracts.catalog import PublicationStarted
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow
from vitrine_kit.events.inbox import handled

from marketplace_etsy.context import EtsyContext
from marketplace_etsy.models import CommandAction, CommandAttempt, CommandClaim

logger = logging.getLogger(__name__)

# The queue of the publication commands addressed to Etsy (its inbox rows name it); consumers.py spells it
# out too, where deploy/generate.py reads it.
COMMANDS = "marketplace-etsy.commands"


@dataclass(frozen=True)
class Attempt:
    number: int  # which attempt at this publication command (a new command from catalog is a new one)
    delivery: int  # how many times this attempt's message has been delivered


class PublicationBusy(Exception):
    """Another command of the publication is at Etsy: this delivery is redelivered later by the kit."""


@asynccontextmanager
async def claimed(
    ctx: EtsyContext, tenant_id: uuid.UUID, publication_id: uuid.UUID, message_id: uuid.UUID
) -> AsyncIterator[uuid.UUID]:
    """Hold the publication's claim for this delivery while the block calls Etsy; its token.

    One command per publication at a time, across replicas, with no connection held meanwhile: the claim
    is a row written in a short transaction, renewed every third of ``command_claim_s`` while the block
    runs, and released by the transaction that records the result (:func:`release_publication`), or at
    once when the block fails. Whatever stops it otherwise (the process dies, the message's transaction
    fails) lets it lapse within ``command_claim_s``, and the next delivery claims it again."""
    token = await _claim(ctx, tenant_id, publication_id, message_id)
    renewing = asyncio.create_task(_renew(ctx, tenant_id, publication_id, token))
    try:
        yield token
    except Exception:
        await release_now(ctx, tenant_id, publication_id, token)  # the redelivery claims it again
        raise
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing


async def _claim(
    ctx: EtsyContext, tenant_id: uuid.UUID, publication_id: uuid.UUID, message_id: uuid.UUID
) -> uuid.UUID:
    """Write the claim (short transactions, none open while waiting), waiting up to
    ``command_claim_wait_s`` for another command to finish; else :class:`PublicationBusy`."""
    token = uuid.uuid4()
    deadline = time.monotonic() + ctx.settings.command_claim_wait_s
    while True:
        now = utcnow()
        until = now + timedelta(seconds=ctx.settings.command_claim_s)
        stmt = (
            insert(CommandClaim)
            .values(publication_id=publication_id, token=token, message_id=message_id, claimed_until=until)
            .on_conflict_do_update(
                index_elements=[CommandClaim.publication_id],
                set_={"token": token, "message_id": message_id, "claimed_until": until},
                where=CommandClaim.claimed_until < now,  # its holder stopped renewing it: lapsed
            )
            .returning(CommandClaim.token)
        )
        async with ctx.db.tenant_session(tenant_id) as session:
            claimed = (await session.execute(stmt)).scalar_one_or_none()
            await session.commit()
        if claimed is not None:
            return token
        if time.monotonic() >= deadline:
            raise PublicationBusy(f"publication {publication_id} has another command at Etsy")
        await asyncio.sleep(0.2)


async def _renew(ctx: EtsyContext, tenant_id: uuid.UUID, publication_id: uuid.UUID, token: uuid.UUID) -> None:
    """Push the claim's lapse back while its holder works (a task of its own, a short transaction each)."""
    every = ctx.settings.command_claim_s / 3
    while True:
        await asyncio.sleep(every)
        try:
            async with ctx.db.tenant_session(tenant_id) as session:
                await session.execute(
                    sa.update(CommandClaim)
                    .where(CommandClaim.publication_id == publication_id, CommandClaim.token == token)
                    .values(claimed_until=utcnow() + timedelta(seconds=ctx.settings.command_claim_s))
                )
                await session.commit()
        except Exception:
            logger.warning("could not renew an etsy command claim", exc_info=True)


async def already_handled(ctx: EtsyContext, tenant_id: uuid.UUID, message_id: uuid.UUID) -> bool:
    """Whether the message was handled meanwhile (a copy delivered at once, prepared while this one waited
    for the claim): this copy's transaction will find it in the inbox and record nothing."""
    async with ctx.db.tenant_session(tenant_id) as session:
        return await handled(session, COMMANDS, message_id)


async def release_publication(session: AsyncSession, publication_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Release this delivery's claim in ``session``'s transaction (the one recording the result); False when
    it had lapsed and another command claimed the publication meanwhile."""
    released = await session.execute(
        sa.delete(CommandClaim)
        .where(CommandClaim.publication_id == publication_id, CommandClaim.token == token)
        .returning(CommandClaim.token)
    )
    return released.scalar_one_or_none() is not None


async def release_now(
    ctx: EtsyContext, tenant_id: uuid.UUID, publication_id: uuid.UUID, token: uuid.UUID
) -> None:
    """Release the claim in a transaction of its own (a delivery failing, left to the kit's redelivery)."""
    async with ctx.db.tenant_session(tenant_id) as session:
        await release_publication(session, publication_id, token)
        await session.commit()


async def count_attempt(
    ctx: EtsyContext,
    envelope: Envelope[Any],
    tenant_id: uuid.UUID,
    publication_id: uuid.UUID,
    action: CommandAction,
    *,
    started: tuple[uuid.UUID, Marketplace] | None = None,
) -> Attempt:
    """Count this delivery (its own transaction); with ``started`` (product id, marketplace), the first
    delivery of an attempt also emits ``publication.started``."""
    message_id = envelope.id
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
                tenant_id=tenant_id,
                correlation_id=envelope.correlation_id,
                causation_id=envelope.id,
            )
        await session.commit()
    return attempt
