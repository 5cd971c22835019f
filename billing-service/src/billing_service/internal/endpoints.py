"""``/internal/credits/reservations``: ai-service holds, commits and releases credits (service tokens only).

The contract is ``vitrine_contracts.billing_api``; the gateway never routes ``/internal``.
"""

from __future__ import annotations

import functools

from fastapi import APIRouter, Request, Response
from vitrine_contracts import billing_api as api

from billing_service.accounts.service import account_service
from billing_service.credits.service import Hold, credit_service
from billing_service.deps import CreditsCaller, ReservationKey
from billing_service.errors import CreditsExhausted, ReservationNotFound
from billing_service.internal.scope import reservation_scope, service_scope, tenant_of_reservation
from billing_service.models import Reservation
from billing_service.models.enums import ReleaseCause

router = APIRouter(tags=["internal"])


def _out(reservation: Reservation, monthly_left: int, purchased_left: int) -> api.Reservation:
    return api.Reservation(
        key=reservation.key,
        tenant_id=reservation.tenant_id,
        amount=reservation.amount,
        status=reservation.status,
        expires_at=reservation.expires_at,
        monthly_left=monthly_left,
        purchased_left=purchased_left,
    )


@router.post(api.RESERVATIONS_PATH, status_code=201)
async def reserve(
    body: api.ReservationRequest, caller: CreditsCaller, request: Request, response: Response
) -> api.Reservation:
    """Hold credits (201); the same key again answers the same reservation (200); 402 when too few are left."""
    async with service_scope(request, body.tenant_id, caller) as scope:
        reserve = functools.partial(
            credit_service.reserve,
            scope,
            key=body.key,
            amount=body.amount,
            reason=body.reason,
            caller=caller.subject,
        )
        try:
            hold: Hold = await reserve()
        except LookupError:  # no account yet (tenant.created not handled yet): it opens, then the hold
            await account_service.ensure(scope)
            hold = await reserve()
    if hold.reservation is None:
        raise CreditsExhausted(
            f"{body.amount} credits asked, {hold.monthly_left + hold.purchased_left} left.",
            requested=body.amount,
            monthly_left=hold.monthly_left,
            purchased_left=hold.purchased_left,
        )
    if not hold.created:
        response.status_code = 200
    return _out(hold.reservation, hold.monthly_left, hold.purchased_left)


@router.post(api.RESERVATIONS_PATH + "/{key}/commit")
async def commit(key: ReservationKey, caller: CreditsCaller, request: Request) -> api.Reservation:
    """Spend the held credits for good (idempotent); 409 if the reservation was released or expired."""
    async with reservation_scope(request, key, caller) as scope:
        reservation, monthly_left, purchased_left = await credit_service.commit(scope, key)
        out = _out(reservation, monthly_left, purchased_left)
    return out


@router.post(api.RESERVATIONS_PATH + "/{key}/release")
async def release(key: ReservationKey, caller: CreditsCaller, request: Request) -> api.Reservation:
    """Give the held credits back (idempotent); 409 if the reservation was committed."""
    tenant_id = await tenant_of_reservation(request, key)
    if tenant_id is None:
        raise ReservationNotFound(f"No reservation has the key '{key}'.")
    async with service_scope(request, tenant_id, caller) as scope:
        reservation, balance = await credit_service.release(scope, key, ReleaseCause.CALLER)
        out = _out(reservation, balance.monthly_left, balance.purchased_left)
    return out
