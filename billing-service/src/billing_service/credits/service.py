"""The credit ledger that never goes negative.

Every change first locks the tenant's balance row (``SELECT … FOR UPDATE``), checks, changes it and appends a
ledger entry in the same transaction (a hold and a commit, the hot path, do all of it in one statement each:
``repository.hold`` and ``repository.commit_held``); the table's CHECKs refuse a negative balance should a bug try. Monthly
credits are spent first, then purchased ones. Grants are idempotent twice over: by their key in the ledger,
and by the period they are for (a period is granted once, an upgrade in it tops up to the new allowance).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from vitrine_contracts.billing import CreditKind, CreditsExhausted, CreditsGranted, CreditsLow
from vitrine_kit.db.base import utcnow

from billing_service.credits import repository
from billing_service.credits.schemas import CreditsOut, LedgerEntryOut, LedgerPage
from billing_service.errors import (
    ReservationCommitted,
    ReservationExpired,
    ReservationKeyReused,
    ReservationNotFound,
    ReservationReleased,
)
from billing_service.models import Balance, LedgerEntry, Reservation
from billing_service.models.enums import LedgerKind, ReleaseCause, ReservationStatus
from billing_service.scope import Scope

logger = logging.getLogger(__name__)
# The period source of the free plan's allowance (a subscription's periods use its id).
FREE_SOURCE = "free"


def month_start(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(at: datetime) -> datetime:
    start = month_start(at)
    return (start + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Hold:
    """What a reservation request came to: the reservation (``None`` when refused) and the balance after."""

    reservation: Reservation | None
    created: bool
    monthly_left: int
    purchased_left: int


class CreditService:
    # --- grants -----------------------------------------------------------------------------------------
    async def grant_period(
        self,
        scope: Scope,
        *,
        source: str,
        start: datetime,
        end: datetime,
        allowance: int,
        grant_key: str,
        reference: str | None,
        note: str,
    ) -> int:
        """Give the allowance of ``source``'s period ``[start, end)``; returns the credits added (0: given before).

        A period of another source (free → paid, paid → free) or a later one of the same source resets the
        monthly credits (what is left of the old period lapses); the current period tops up to a higher
        allowance; an earlier one (a late event) changes nothing.
        """
        balance = await self._balance(scope)
        if await repository.grant_seen(scope.session, grant_key):
            return 0
        current = balance.period_start
        if current is None or source != balance.period_source or start > current:
            if balance.monthly_left:
                lapsed = balance.monthly_left
                balance.monthly_left = 0
                self._record(
                    scope,
                    balance,
                    LedgerKind.EXPIRE,
                    monthly=-lapsed,
                    note="Unused credits of the last period",
                )
            balance.start_period(source, start, end, allowance)
            granted = allowance
        elif start == current and allowance > balance.monthly_allowance:
            granted = allowance - balance.monthly_allowance
            balance.raise_allowance(allowance, end)
        else:
            return 0
        self._record(
            scope,
            balance,
            LedgerKind.GRANT_MONTHLY,
            monthly=granted,
            reference=reference,
            grant_key=grant_key,
            note=note,
        )
        self._granted(scope, balance, CreditKind.MONTHLY, granted)
        await scope.session.flush()
        return granted

    async def start_free_period(self, scope: Scope, allowance: int, *, at: datetime) -> int:
        """The free plan's allowance from ``at`` to the end of its calendar month (a new or returning tenant)."""
        return await self.grant_period(
            scope,
            source=FREE_SOURCE,
            start=at,
            end=next_month_start(at),
            allowance=allowance,
            grant_key=f"free:{at.isoformat()}",
            reference=None,
            note="Free plan",
        )

    async def grant_free_month(self, scope: Scope, allowance: int, *, now: datetime) -> int:
        """The free allowance of the month ``now`` is in, if the tenant's last period is over."""
        balance = await self._balance(scope)
        if balance.period_end is not None and balance.period_end > now:
            return 0
        # A new period starts at the month's start, or where the last one ended if that was later.
        start = max(month_start(now), balance.period_end or month_start(now))
        return await self.grant_period(
            scope,
            source=FREE_SOURCE,
            start=start,
            end=next_month_start(now),
            allowance=allowance,
            grant_key=f"free:{start.isoformat()}",
            reference=None,
            note=f"Free plan, {start:%B %Y}",
        )

    async def top_up(
        self, scope: Scope, *, source: str, allowance: int, at: datetime, grant_key: str, reference: str
    ) -> int:
        """Raise ``source``'s current period to a higher plan's ``allowance`` (an upgrade paid at ``at``)."""
        balance = await self._balance(scope)
        start, end = balance.period_start, balance.period_end
        if balance.period_source != source or start is None or end is None or not start <= at < end:
            return 0
        return await self.grant_period(
            scope,
            source=source,
            start=start,
            end=end,
            allowance=allowance,
            grant_key=grant_key,
            reference=reference,
            note="Plan upgrade",
        )

    async def grant_pack(
        self, scope: Scope, *, credits: int, grant_key: str, reference: str, note: str
    ) -> int:
        """Add purchased credits once per ``grant_key`` (the checkout session); returns the credits added."""
        balance = await self._balance(scope)
        if await repository.grant_seen(scope.session, grant_key):
            return 0
        balance.purchased_left += credits
        self._record(
            scope,
            balance,
            LedgerKind.GRANT_PURCHASED,
            purchased=credits,
            reference=reference,
            grant_key=grant_key,
            note=note,
        )
        self._granted(scope, balance, CreditKind.PURCHASED, credits)
        await scope.session.flush()
        return credits

    # --- reservations -----------------------------------------------------------------------------------
    async def reserve(self, scope: Scope, *, key: str, amount: int, reason: str, caller: str) -> Hold:
        """Hold ``amount`` credits under ``key`` (the same answer for the same key), or refuse (no credits).

        One statement in the common case (``repository.hold``): the balance row locked and changed, the hold
        and its ledger line inserted. A key seen before comes back through ``_again``.
        """
        now = utcnow()
        expires_at = now + timedelta(seconds=scope.context.settings.reservation_ttl_s)
        row = await repository.hold(
            scope.session,
            scope.tenant_id,
            key=key,
            amount=amount,
            reason=reason,
            caller=caller,
            now=now,
            expires_at=expires_at,
        )
        if row is None:  # no balance yet: the account opens (free plan, its credits), then the hold
            raise LookupError(f"tenant {scope.tenant_id} has no billing account yet")
        if row.monthly_left is None or row.purchased_left is None:  # too few credits (or a key seen before)
            existing = await repository.reservation(scope.session, key)
            if existing is not None:
                return await self._again(scope, existing, amount)
            if not row.exhausted_notified:
                await repository.mark_exhausted(scope.session, scope.tenant_id)
                total = row.old_monthly + row.old_purchased
                scope.emit(CreditsExhausted(balance=total, requested=amount))
            return Hold(None, False, row.old_monthly, row.old_purchased)
        if not row.inserted:  # the key is taken (a twin request, or another caller): undo, and look
            await scope.session.rollback()
            existing = await repository.reservation(scope.session, key)
            if existing is None:
                raise ReservationKeyReused("This key is being used for another reservation.")
            return await self._again(scope, existing, amount)
        total, allowance = row.monthly_left + row.purchased_left, row.monthly_allowance or 0
        if total == 0:
            if not row.exhausted_notified:
                scope.emit(CreditsExhausted(balance=0))
        elif total * 10 < allowance and not row.low_notified:
            scope.emit(CreditsLow(balance=total, monthly_allowance=allowance))
        from_monthly = row.from_monthly or 0
        reservation = Reservation(
            tenant_id=scope.tenant_id,
            from_monthly=from_monthly,
            from_purchased=amount - from_monthly,
            status=ReservationStatus.HELD,
            expires_at=expires_at,
            created_at=now,
            key=key,
            amount=amount,
            reason=reason,
            caller=caller,
        )
        return Hold(reservation, True, row.monthly_left, row.purchased_left)

    async def _again(self, scope: Scope, existing: Reservation, amount: int) -> Hold:
        if existing.tenant_id != scope.tenant_id or existing.amount != amount:
            raise ReservationKeyReused(
                "This key was used for another reservation (another tenant or amount)."
            )
        balance = await repository.read_balance(scope.session, scope.tenant_id)
        return Hold(existing, False, balance.monthly_left, balance.purchased_left)

    async def commit(self, scope: Scope, key: str) -> tuple[Reservation, int, int]:
        """Spend a held reservation for good (again: the same answer); 409 if it was released or expired.

        One statement when the hold is still held (``repository.commit_held``); otherwise the slower look
        that says why. Returns the reservation and the balance (monthly, purchased) after.
        """
        now = utcnow()
        done = await repository.commit_held(scope.session, scope.tenant_id, key, now)
        if done is None:
            balance = await self._balance(scope)
            reservation = await self._held(scope, key)
            if reservation.status is ReservationStatus.COMMITTED:
                return reservation, balance.monthly_left, balance.purchased_left
            if reservation.status is ReservationStatus.RELEASED:
                raise self._released_error(reservation)
            # Held but past due: the sweeper gives the credits back shortly.
            raise ReservationExpired("The reservation expired before it was committed.")
        reservation = done[0]
        # Counted once the transaction commits: a commit rolled back and retried is not counted twice.
        spent, amount = scope.context.credits_spent.labels(reservation.caller), reservation.amount
        sa.event.listen(scope.session.sync_session, "after_commit", lambda _s: spent.inc(amount), once=True)
        return done

    async def release(
        self, scope: Scope, key: str, cause: ReleaseCause = ReleaseCause.CALLER
    ) -> tuple[Reservation, Balance]:
        """Give a held reservation's credits back (again: the same answer); 409 if it was committed."""
        balance = await self._balance(scope)
        reservation = await self._held(scope, key)
        if reservation.status is ReservationStatus.RELEASED:
            return reservation, balance
        if reservation.status is ReservationStatus.COMMITTED:
            raise ReservationCommitted("The reservation was committed; its credits are spent.")
        self._give_back(scope, balance, reservation, cause)
        await scope.session.flush()
        return reservation, balance

    async def release_if_expired(self, scope: Scope, key: str, now: datetime) -> bool:
        """For the sweeper: release ``key`` if it is still held and past due; ``False`` if busy or done."""
        balance = await repository.lock_balance(scope.session, scope.tenant_id, skip_locked=True)
        if balance is None:
            return False
        reservation = await repository.reservation(scope.session, key, lock=True)
        if (
            reservation is None
            or reservation.status is not ReservationStatus.HELD
            or reservation.expires_at > now
        ):
            return False
        self._give_back(scope, balance, reservation, ReleaseCause.EXPIRY)
        await scope.session.flush()
        return True

    def _give_back(
        self, scope: Scope, balance: Balance, reservation: Reservation, cause: ReleaseCause
    ) -> None:
        # Monthly credits held across a period reset belonged to the old period: they lapse.
        same_period = reservation.period_start == balance.period_start
        monthly = reservation.from_monthly if same_period else 0
        balance.monthly_left += monthly
        balance.purchased_left += reservation.from_purchased
        reservation.status = ReservationStatus.RELEASED
        reservation.released_by = cause
        reservation.settled_at = utcnow()
        note = "Expired unused" if cause is ReleaseCause.EXPIRY else "Released"
        if not same_period and reservation.from_monthly:
            note += f" ({reservation.from_monthly} monthly credits of the last period lapsed)"
        self._record(
            scope,
            balance,
            LedgerKind.RELEASE,
            monthly=monthly,
            purchased=reservation.from_purchased,
            reference=reservation.key,
            note=note,
        )
        if balance.total > 0:
            balance.exhausted_notified = False

    async def _held(self, scope: Scope, key: str) -> Reservation:
        reservation = await repository.reservation(scope.session, key, lock=True)
        if reservation is None or reservation.tenant_id != scope.tenant_id:
            raise ReservationNotFound(f"No reservation has the key '{key}'.")
        return reservation

    @staticmethod
    def _released_error(reservation: Reservation) -> ReservationReleased | ReservationExpired:
        if reservation.released_by is ReleaseCause.EXPIRY:
            return ReservationExpired("The reservation expired; its credits were given back.")
        return ReservationReleased("The reservation was released; its credits were given back.")

    # --- reading ----------------------------------------------------------------------------------------
    async def read(self, scope: Scope, *, limit: int, cursor: str | None) -> CreditsOut:
        balance = await repository.read_balance(scope.session, scope.tenant_id)
        before = repository.decode_cursor(cursor) if cursor else None
        rows = await repository.history(scope.session, limit=limit, before_seq=before)
        page = rows[:limit]
        next_cursor = repository.encode_cursor(page[-1].seq) if len(rows) > limit else None
        return CreditsOut(
            monthly_left=balance.monthly_left,
            purchased_left=balance.purchased_left,
            total=balance.total,
            monthly_allowance=balance.monthly_allowance,
            period_start=balance.period_start,
            period_end=balance.period_end,
            history=LedgerPage(
                items=[LedgerEntryOut.model_validate(row, from_attributes=True) for row in page],
                next_cursor=next_cursor,
            ),
        )

    # --- internals --------------------------------------------------------------------------------------
    async def _balance(self, scope: Scope) -> Balance:
        balance = await repository.lock_balance(scope.session, scope.tenant_id)
        if balance is None:
            raise LookupError(f"tenant {scope.tenant_id} has no billing account yet")
        return balance

    @staticmethod
    def _record(
        scope: Scope,
        balance: Balance,
        kind: LedgerKind,
        *,
        monthly: int = 0,
        purchased: int = 0,
        reference: str | None = None,
        grant_key: str | None = None,
        note: str = "",
    ) -> None:
        balance.updated_at = utcnow()
        repository.add_entry(
            scope.session,
            LedgerEntry(
                kind=kind,
                monthly_delta=monthly,
                purchased_delta=purchased,
                monthly_after=balance.monthly_left,
                purchased_after=balance.purchased_left,
                reference=reference,
                grant_key=grant_key,
                note=note[:200],
                created_at=utcnow(),
            ),
        )

    @staticmethod
    def _granted(scope: Scope, balance: Balance, kind: CreditKind, amount: int) -> None:
        balance.exhausted_notified = False
        if balance.total * 10 >= balance.monthly_allowance:
            balance.low_notified = False
        scope.emit(
            CreditsGranted(
                balance=balance.total,
                kind=kind,
                amount=amount,
                monthly_left=balance.monthly_left,
                purchased_left=balance.purchased_left,
            )
        )


credit_service = CreditService()
