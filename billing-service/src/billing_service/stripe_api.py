"""The calls billing-service makes to Stripe (the official SDK, async), each write with an idempotency key."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
from vitrine_kit.db.held import check_outbound

from billing_service.config import Settings
from billing_service.errors import PaymentProviderUnavailable

logger = logging.getLogger(__name__)
# Stripe statuses of a subscription that bills no more.
ENDED = ("canceled", "incomplete_expired")


class StripeCallFailed(Exception):
    """Stripe refused or could not be reached; ``retryable`` says whether trying later may succeed."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    """SDK errors as :class:`StripeCallFailed`, logged once with what was being done; the kit's guard
    warns (raises in strict mode) when a pooled database connection is held meanwhile."""
    check_outbound("stripe")
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        logger.warning("stripe unreachable", extra={"operation": operation, "error": str(exc)})
        raise StripeCallFailed(f"{operation}: {exc}", retryable=True) from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        retryable = status is None or status >= 500 or status in (409, 429)
        logger.warning(
            "stripe refused", extra={"operation": operation, "status": status, "error": exc.user_message}
        )
        raise StripeCallFailed(
            f"{operation}: {exc.user_message or exc}", retryable=retryable, status=status
        ) from exc


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object as plain data (what a webhook carries), so both paths share one reader."""
    if isinstance(obj, stripe.StripeObject):
        data: dict[str, Any] = obj.to_dict()
        return data
    return dict(obj)


class StripeApi:
    """One ``StripeClient`` for the process; its base URL points at the local stand-in unless configured."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
        self.http = stripe.HTTPXClient(timeout=settings.stripe_timeout_s)
        self.client = stripe.StripeClient(
            settings.stripe_api_key.get_secret_value(),
            base_addresses=base,  # type: ignore[arg-type]
            http_client=self.http,
            max_network_retries=settings.stripe_max_network_retries,
        )

    async def aclose(self) -> None:
        await self.http.close_async()  # type: ignore[no-untyped-call]

    # --- webhooks ----------------------------------------------------------------------------------------
    def verify(self, payload: bytes, signature: str | None) -> None:
        """Raise ``stripe.SignatureVerificationError`` unless ``signature`` signs ``payload`` (Stripe's scheme)."""
        stripe.WebhookSignature.verify_header(
            payload,
            signature or "",
            self.settings.stripe_webhook_secret.get_secret_value(),
            self.settings.stripe_webhook_tolerance_s,
        )

    # --- prices ------------------------------------------------------------------------------------------
    async def find_price(self, lookup_key: str) -> str | None:
        with _translated("find price"):
            found = await self.client.v1.prices.list_async({"lookup_keys": [lookup_key], "limit": 1})
        return found.data[0].id if found.data else None

    async def create_price(
        self,
        *,
        lookup_key: str,
        name: str,
        amount: int,
        currency: str,
        monthly: bool,
        metadata: dict[str, str],
    ) -> str:
        """A price (and its product) with ``lookup_key``; the key makes a retry or a racing replica a no-op."""
        params: dict[str, Any] = {
            "unit_amount": amount,
            "currency": currency,
            "lookup_key": lookup_key,
            "product_data": {"name": name, "metadata": metadata},
            "metadata": metadata,
        }
        if monthly:
            params["recurring"] = {"interval": "month"}
        with _translated("create price"):
            price = await self.client.v1.prices.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"price:{lookup_key}"},
            )
        return price.id

    async def retrieve_price(self, price_id: str) -> dict[str, Any]:
        with _translated("retrieve price"):
            return as_dict(await self.client.v1.prices.retrieve_async(price_id))

    # --- customers ---------------------------------------------------------------------------------------
    async def create_customer(self, tenant_id: uuid.UUID) -> str:
        """The tenant's one customer: the key derived from the tenant makes two racing calls make one."""
        with _translated("create customer"):
            customer = await self.client.v1.customers.create_async(
                {"metadata": {"tenant_id": str(tenant_id)}, "description": f"Vitrine seller {tenant_id}"},
                {"idempotency_key": f"customer:{tenant_id}"},
            )
        return customer.id

    async def retrieve_customer(self, customer_id: str) -> dict[str, Any]:
        with _translated("retrieve customer"):
            return as_dict(await self.client.v1.customers.retrieve_async(customer_id))

    # --- checkout and portal -----------------------------------------------------------------------------
    async def create_checkout(self, params: dict[str, Any], idempotency_key: str) -> tuple[str, str]:
        """A hosted Checkout Session: its id and the URL to send the seller to."""
        with _translated("create checkout session"):
            session = await self.client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        if not session.url:
            raise StripeCallFailed("checkout session without url", retryable=False)
        return session.id, session.url

    async def create_portal(self, customer_id: str, return_url: str, idempotency_key: str) -> str:
        with _translated("create portal session"):
            portal = await self.client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url},
                {"idempotency_key": idempotency_key},
            )
        return portal.url

    # --- subscriptions -----------------------------------------------------------------------------------
    async def retrieve_subscription(self, subscription_id: str) -> dict[str, Any]:
        with _translated("retrieve subscription"):
            return as_dict(
                await self.client.v1.subscriptions.retrieve_async(
                    subscription_id, {"expand": ["items.data.price"]}
                )
            )

    async def cancel_subscription(self, subscription_id: str) -> str:
        """Cancel at once; returns the subscription's status after. Safe to repeat: a subscription already
        canceled counts as done. Stripe answers a second cancel with ``resource_missing`` (404; the stand-in
        says 400) although the subscription can still be read, so that answer is checked by reading it; any
        other refusal is raised."""
        try:
            with _translated("cancel subscription"):
                canceled = await self.client.v1.subscriptions.cancel_async(
                    subscription_id, options={"idempotency_key": f"cancel:{subscription_id}"}
                )
            return str(canceled.status)
        except StripeCallFailed as exc:
            if exc.status not in (400, 404):
                raise
            try:
                status = str((await self.retrieve_subscription(subscription_id)).get("status"))
            except StripeCallFailed as gone:
                if gone.status != 404:
                    raise
                status = "canceled"  # not even readable: nothing left to stop
            if status not in ENDED:
                raise
            logger.info("subscription already ended", extra={"subscription": subscription_id})
            return status


def unavailable(exc: StripeCallFailed) -> PaymentProviderUnavailable:
    """The problem a seller sees when a Stripe call in its request failed."""
    return PaymentProviderUnavailable(
        "Stripe could not be reached or refused the request; please try again in a moment.",
        headers={"Retry-After": "5"} if exc.retryable else None,
    )
