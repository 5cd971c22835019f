"""FastAPI dependencies of billing-service, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query
from vitrine_contracts.billing_api import CREDITS_SCOPE, MARKETPLACES_SCOPE
from vitrine_kit.auth.deps import CurrentPrincipal, require_roles
from vitrine_kit.auth.principal import Principal
from vitrine_kit.scope import context_of

from billing_service.context import BillingContext
from billing_service.errors import ServiceTokenRequired

Billing = Annotated[BillingContext, Depends(context_of)]

# Paying and managing the subscription is for the tenant's owner and admins; reading is for any member.
BillingManager = Annotated[Principal, Depends(require_roles("owner", "admin"))]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Repeat it when retrying: the same checkout session comes back",
    ),
]
ReservationKey = Annotated[
    str, Path(min_length=8, max_length=200, description="The caller's idempotency key")
]
PageLimit = Annotated[int, Query(ge=1, le=100, description="History entries per page")]


def _service_with(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def caller(principal: CurrentPrincipal) -> Principal:
        """A Vitrine service holding ``scope``; a seller's or plugin's token never is."""
        if principal.kind != "service":
            raise ServiceTokenRequired(
                "This endpoint takes a service token (client credentials), not a user's."
            )
        if not principal.has_scope(scope):
            raise ServiceTokenRequired(f"The service token lacks the scope '{scope}'.")
        return principal

    return caller


CreditsCaller = Annotated[Principal, Depends(_service_with(CREDITS_SCOPE))]
SlotsCaller = Annotated[Principal, Depends(_service_with(MARKETPLACES_SCOPE))]
