"""The background loops of billing-service's workers."""

from __future__ import annotations

import asyncio
import contextlib

from vitrine_kit.db.base import utcnow
from vitrine_kit.loops import BackgroundLoop

from billing_service.config import Settings
from billing_service.context import BillingContext
from billing_service.credits import jobs
from billing_service.webhooks.service import webhook_service


async def handle_webhooks(context: BillingContext) -> None:
    """Wait for a stored event (this replica's, at once; another's, within one poll), then handle what is due."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(context.webhook_arrived.wait(), context.settings.webhook_poll_interval_s)
    context.webhook_arrived.clear()
    if await webhook_service.work(context) >= context.settings.webhook_batch_size:
        context.webhook_arrived.set()  # a backlog: the next batch at once


async def release_expired_holds(context: BillingContext) -> None:
    # Batch after batch while each one did work (a month start can find thousands of tenants due).
    while await jobs.release_expired(context, utcnow()) >= context.settings.loop_batch_size:
        pass


async def grant_free_months(context: BillingContext) -> None:
    while await jobs.grant_free_months(context, utcnow()) >= context.settings.loop_batch_size:
        pass


def billing_loops(settings: Settings) -> list[BackgroundLoop[BillingContext]]:
    return [
        # Paced by its own wait in the tick, so that a stored event is handled at once.
        BackgroundLoop.every("stripe-webhooks", 0.0, handle_webhooks),
        BackgroundLoop.every(
            "credit-holds-expiry", settings.reservation_sweep_interval_s, release_expired_holds
        ),
        BackgroundLoop.every("free-monthly-credits", settings.free_grant_interval_s, grant_free_months),
    ]
