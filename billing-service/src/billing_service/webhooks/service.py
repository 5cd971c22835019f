"""Receiving Stripe's webhooks (verified, stored once, answered at once) and handling them later.

The worker takes stored events oldest first, each in its tenant's transaction together with its
``processed`` mark and claimed with ``FOR UPDATE SKIP LOCKED``, so that replicas never handle one twice;
a failure is retried with growing delays, then kept as ``failed`` for support. What the handler needs from
Stripe (the subscription an event speaks of, the plans of a paid invoice's prices) is fetched before that
transaction, with no connection held.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.tenancy import TenantGone

from billing_service.accounts import repository as accounts
from billing_service.context import BillingContext
from billing_service.errors import InvalidStripeSignature, InvalidWebhookPayload
from billing_service.models import WebhookEvent
from billing_service.models.enums import WebhookStatus
from billing_service.scope import Scope
from billing_service.subscriptions.service import AccountChanged, subscription_service
from billing_service.subscriptions.stripe_objects import object_id
from billing_service.webhooks import repository
from billing_service.webhooks.handlers import HANDLERS, Prepared, plans_of_invoice, subscription_of
from billing_service.webhooks.schemas import WebhookAck

logger = logging.getLogger(__name__)
# Fetches of an event's subscription before the account is found unchanged, then the event is retried later.
FETCHES = 3


def _tenant_hint(obj: dict[str, Any]) -> uuid.UUID | None:
    """The tenant our Checkout put on the object (client_reference_id, metadata), if any."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    for candidate in (
        obj.get("client_reference_id"),
        (obj.get("metadata") or {}).get("tenant_id"),
        (details.get("metadata") or {}).get("tenant_id"),
    ):
        if candidate:
            try:
                return uuid.UUID(str(candidate))
            except ValueError:
                continue
    return None


class WebhookService:
    async def receive(self, context: BillingContext, payload: bytes, signature: str | None) -> WebhookAck:
        try:
            context.stripe.verify(payload, signature)
        except stripe.SignatureVerificationError as exc:
            raise InvalidStripeSignature(f"Stripe-Signature refused: {exc.user_message or exc}.") from exc
        try:
            event = json.loads(payload)
            values: dict[str, Any] = {
                "id": str(event["id"]),
                "type": str(event["type"]),
                "stripe_created": datetime.fromtimestamp(int(event["created"]), UTC),
                "livemode": bool(event.get("livemode", False)),
                "payload": event,
            }
            if not isinstance(event["data"]["object"], dict):
                raise TypeError("data.object")
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhookPayload(f"Not a Stripe event: {exc}.") from exc
        if values["type"] not in HANDLERS:  # kept for the record, never worked on
            values.update(
                status=WebhookStatus.IGNORED, outcome="event type not handled", processed_at=utcnow()
            )
        async with context.db.session() as session:
            new = await repository.store(session, values)
            await session.commit()  # commit: stored before the 200; the worker handles it later
        if new:
            context.webhook_arrived.set()
        logger.info(
            "stripe event received", extra={"event": values["id"], "type": values["type"], "new": new}
        )
        return WebhookAck(duplicate=not new)

    async def work(self, context: BillingContext) -> int:
        """Handle one batch of the events that are due; returns how many were due (a full batch: more wait)."""
        async with context.db.session() as session:
            ids = await repository.due(session, utcnow(), context.settings.webhook_batch_size)
        for event_id in ids:
            await self.handle(context, event_id)
        return len(ids)

    async def handle(self, context: BillingContext, event_id: str) -> int:
        """Handle one stored event if it still waits; 1 if this call settled it."""
        try:
            async with context.db.session() as session:
                event = await repository.get(session, event_id)
            if event is None or event.status is not WebhookStatus.PENDING:
                return 0
            tenant_id, reason = await self._tenant_of(context, event)
            if tenant_id is not None and context.tenants is not None:
                try:
                    await context.tenants.ensure(tenant_id)
                except TenantGone:
                    tenant_id, reason = None, "the tenant was deleted"
            if tenant_id is None:
                return await self._settle_without_tenant(context, event_id, reason)
            wanted = subscription_of(event.type, event.data_object)
            plans: dict[str, str | None] = {}
            if event.type == "invoice.paid":  # a price's plan never changes: asked once, not per fetch
                plans = await plans_of_invoice(context, event.data_object)
            for _ in range(FETCHES):
                retrieved = None
                if wanted is not None:  # fetched with no connection held, applied if the account is unchanged
                    retrieved = await subscription_service.retrieve(context, tenant_id, *wanted)
                try:
                    outcome = await self._apply(context, tenant_id, event_id, Prepared(retrieved, plans))
                except AccountChanged:
                    continue  # another event applied meanwhile: what was fetched may be older; fetch again
                if outcome is None:  # another replica has it, or it was settled meanwhile
                    return 0
                logger.info("stripe event handled", extra={"event": event_id, "outcome": outcome})
                return 1
            raise AccountChanged(f"the account changed during each of {FETCHES} fetches; tried again later")
        except Exception as exc:
            logger.warning("stripe event failed; will retry", exc_info=True, extra={"event": event_id})
            await self._failed(context, event_id, f"{type(exc).__name__}: {exc}")
            return 0

    async def _apply(
        self, context: BillingContext, tenant_id: uuid.UUID, event_id: str, prepared: Prepared
    ) -> str | None:
        """The event's handler and its ``processed`` mark in one transaction; ``None`` if not claimed."""
        async with context.db.tenant_session(tenant_id) as session:
            claimed = await repository.claim(session, event_id)
            if claimed is None:
                return None
            scope = Scope(session=session, tenant_id=tenant_id, context=context)
            if prepared.subscription is not None:
                await subscription_service.lock_unchanged(scope, prepared.subscription)
            outcome = await HANDLERS[claimed.type](scope, claimed.data_object, prepared)
            claimed.mark_processed(tenant_id, outcome)
            await session.commit()  # commit: a background worker: outcome and effects in one go
        return outcome

    async def _tenant_of(self, context: BillingContext, event: WebhookEvent) -> tuple[uuid.UUID | None, str]:
        """Whose event this is: the customer's account, the tenant our Checkout named, or the customer's
        metadata at Stripe; ``None`` for a customer that is not ours."""
        obj = event.data_object
        customer = object_id(obj.get("customer"))
        if customer is not None:
            async with context.db.session() as session:
                account = await accounts.by_customer(session, customer)
            if account is not None:
                if account.deleted_at is not None:
                    return None, "the tenant was deleted"
                return account.tenant_id, "known customer"
        hint = _tenant_hint(obj)
        if hint is not None:
            return hint, "named by the checkout"
        if customer is not None:
            found = await context.stripe.retrieve_customer(customer)
            try:
                return uuid.UUID(str((found.get("metadata") or {}).get("tenant_id"))), "customer metadata"
            except ValueError:
                pass
        return None, "not a customer of ours"

    async def _settle_without_tenant(self, context: BillingContext, event_id: str, reason: str) -> int:
        async with context.db.session() as session:
            claimed = await repository.claim(session, event_id)
            if claimed is None:
                return 0
            claimed.mark_ignored(reason)
            await session.commit()  # commit: a background worker: the event is settled for good
        logger.info("stripe event ignored", extra={"event": event_id, "reason": reason})
        return 1

    async def _failed(self, context: BillingContext, event_id: str, error: str) -> None:
        settings = context.settings
        async with context.db.session() as session:
            # Waits for a replica still holding it, then finds it settled and leaves it alone.
            event = await session.get(WebhookEvent, event_id, with_for_update=True, populate_existing=True)
            if event is None or event.status is not WebhookStatus.PENDING:
                return
            attempt = event.attempts + 1
            retry_at = None
            if attempt < settings.webhook_max_attempts:
                delays = settings.webhook_retry_delays_s
                retry_at = utcnow() + timedelta(seconds=delays[min(attempt, len(delays)) - 1])
            event.mark_failed_attempt(error, retry_at)
            await session.commit()  # commit: the attempt outlives the rolled-back handling
        if retry_at is None:
            logger.error("stripe event failed for good", extra={"event": event_id, "error": error})


webhook_service = WebhookService()
