"""Publish and delist call Etsy and media-service with no pooled connection held, and stay once-only."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest_asyncio
import sqlalchemy as sa
from marketplace_etsy.config import Settings
from marketplace_etsy.consumers import consumer
from marketplace_etsy.models import CommandClaim, EtsyListing, ListingState
from marketplace_etsy.publications.attempts import COMMANDS
from marketplace_etsy.publications.service import publication_service
from vitrine_contracts import new_envelope
from vitrine_contracts.catalog import PublicationDelistRequested
from vitrine_contracts.common import Marketplace
from vitrine_kit.db import held
from vitrine_kit.db.base import utcnow


@pytest_asyncio.fixture
async def strict_etsy(
    h: Any, make_settings: Callable[..., Settings], sandbox: httpx.AsyncClient, test_keys: Any
) -> AsyncIterator[Any]:
    """marketplace-etsy whose consumers (started inside the block) fail any call to Etsy or media-service
    made while holding a pooled database connection."""
    with held.strict():
        async with h.started(
            make_settings(command_claim_s=1.0, command_claim_wait_s=3.0), sandbox, test_keys
        ) as e:
            yield e


async def publish_posts(etsy: Any) -> int:
    return len(await etsy.requests(f"/shops/{etsy.shop_id}/listings", method="POST"))


async def claims(etsy: Any) -> list[CommandClaim]:
    async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
        return list((await session.execute(sa.select(CommandClaim))).scalars())


class TestNoConnectionHeld:
    def test_the_inbox_checked_after_a_claim_is_the_commands_queue(self) -> None:
        assert consumer.name == COMMANDS

    async def test_a_publish_then_a_delist_call_out_with_no_connection_held(self, h, strict_etsy) -> None:
        etsy = strict_etsy
        account = await etsy.connect()
        event = h.request(account)
        await etsy.send(event)
        done = await etsy.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        assert len(await etsy.listings()) == 1
        assert await publish_posts(etsy) == 4  # draft + 3 photos (their bytes from media-service)
        delist = PublicationDelistRequested(
            publication_id=event.publication_id,
            product_id=event.product_id,
            marketplace=Marketplace.ETSY,
            external_id=done["external_id"],
            why="sold_elsewhere",
        )
        await etsy.send(delist)
        await etsy.wait_event("publication.delisted", publication_id=str(event.publication_id))
        [listing] = await etsy.listings()
        assert listing["deleted"] is True
        assert await claims(etsy) == []  # each released in the transaction that recorded the result

    async def test_an_expiring_token_is_refreshed_with_no_connection_held(self, h, strict_etsy) -> None:
        etsy = strict_etsy
        account = await etsy.connect()
        await etsy.set_account(access_expires_at=utcnow())
        before = len(await etsy.requests("/v3/public/oauth/token"))
        event = h.request(account)
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", publication_id=str(event.publication_id))
        assert len(await etsy.requests("/v3/public/oauth/token")) == before + 1
        stored = await etsy.account()
        assert stored.access_expires_at > utcnow()
        assert stored.refreshing_until is None  # the mark is cleared with the rotated pair

    async def test_a_message_delivered_twice_at_once_lists_once(self, h, strict_etsy) -> None:
        etsy = strict_etsy
        account = await etsy.connect()
        await etsy.sandbox.post("/sandbox/latency", json={"ms": 150})  # the first is still at Etsy
        event = h.request(account)
        body = (
            new_envelope(event, producer="catalog-service", tenant_id=etsy.tenant).model_dump_json().encode()
        )
        await asyncio.gather(*(etsy.publish_raw(body, event.routing_key()) for _ in range(2)))
        await etsy.wait_event("publication.succeeded", timeout=30, publication_id=str(event.publication_id))
        await asyncio.sleep(1.5)  # the second delivery, waiting on the claim, is done by now
        succeeded = await etsy.events("publication.succeeded", publication_id=str(event.publication_id))
        assert len(succeeded) == 1
        assert len(await etsy.listings()) == 1
        assert await publish_posts(etsy) == 4
        assert await claims(etsy) == []

    async def test_a_crash_before_the_result_is_recorded_is_resolved_by_the_redelivery(
        self, h, strict_etsy, monkeypatch
    ) -> None:
        etsy = strict_etsy
        account = await etsy.connect()
        finish = publication_service.finish
        crashed: list[uuid.UUID] = []

        async def crash_once(scope: Any, publication_id: uuid.UUID, outcome: Any) -> None:
            if not crashed:
                crashed.append(publication_id)
                raise RuntimeError("the process died before the message's transaction committed")
            await finish(scope, publication_id, outcome)

        monkeypatch.setattr(publication_service, "finish", crash_once)
        event = h.request(account)
        await etsy.send(event)
        await etsy.wait_event("publication.succeeded", timeout=30, publication_id=str(event.publication_id))
        assert crashed == [event.publication_id]
        # Live on Etsy once: the redelivery found the listing recorded active and asked Etsy nothing.
        assert len(await etsy.listings()) == 1
        assert await publish_posts(etsy) == 4
        async with etsy.runtime.db.tenant_session(etsy.tenant) as session:
            row = (
                await session.execute(
                    sa.select(EtsyListing).where(EtsyListing.publication_id == event.publication_id)
                )
            ).scalar_one()
        assert row.state is ListingState.ACTIVE
        assert row.price is not None  # recorded by the redelivery's transaction
        assert await claims(etsy) == []
