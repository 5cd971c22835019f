"""The account: as the plugin reports it, its pacing and budget, and what an expired session means."""

from __future__ import annotations

from datetime import timedelta

from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountSessionExpired
from vitrine_contracts.relay.v1 import VintedSession
from vitrine_kit.db.base import utcnow
from vitrine_marketplace.slots import MarketplaceLimitReached

from marketplace_vinted.accounts import repository as repo
from marketplace_vinted.accounts.schemas import AccountOut, PacingIn, PacingOut
from marketplace_vinted.alerts.service import alert_service
from marketplace_vinted.devices import repository as devices_repo
from marketplace_vinted.jobs import repository as jobs_repo
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.listings import repository as listings_repo
from marketplace_vinted.models import AlertKind, VintedAccount
from marketplace_vinted.scope import Scope


class AccountService:
    async def locked(self, scope: Scope) -> VintedAccount:
        return await repo.locked(scope.session, scope.tenant_id, scope.context.settings)

    async def view(self, scope: Scope) -> AccountOut:
        """The Vinted account as the plugin reports it, the plugins online and the remaining write budget."""
        account = await self.locked(scope)
        return AccountOut(
            id=account.id,
            vinted_user_id=account.vinted_user_id,
            login=account.login,
            domain=account.domain,
            logged_in=account.logged_in,
            session_expired_at=account.session_expired_at,
            plugins_online=len(await devices_repo.online(scope.session)),
            pacing=await self.budget(scope, account),
        )

    async def set_pacing(self, scope: Scope, body: PacingIn) -> PacingOut:
        account = await self.locked(scope)
        account.pace(**body.model_dump())
        return await self.budget(scope, account)

    async def budget(self, scope: Scope, account: VintedAccount) -> PacingOut:
        """What the seller sees: writes used in the last hour and what is left."""
        used = await jobs_repo.writes_since(scope.session, utcnow() - timedelta(hours=1))
        return PacingOut(
            writes_per_hour=account.writes_per_hour,
            used_last_hour=used,
            remaining=max(account.writes_per_hour - used, 0),
            next_write_at=account.next_write_at,
            blocked_until=account.blocked_until,
            min_gap_s=account.min_gap_s,
            max_gap_s=account.max_gap_s,
            pause_every=account.pause_every,
            pause_s=account.pause_s,
        )

    async def blocked(self, scope: Scope) -> None:
        """Vinted's anti-bot (DataDome) answered: no write for ``BLOCK_PAUSE_S``."""
        account = await self.locked(scope)
        account.block_for(utcnow(), scope.context.settings.block_pause_s)

    async def session_reported(self, scope: Scope, report: VintedSession) -> None:
        """Keep the account as the plugin sees it; alert once when it expires with listings live."""
        account, now = await self.locked(scope), utcnow()
        if report.logged_in:
            if not await self._plan_allows(scope, account, report):
                return
            account.session_seen(report, now)
            await alert_service.resolve_kind(scope, AlertKind.SESSION_EXPIRED)
            await job_queue.wake(scope)
            return
        if not account.session_lost(report, now):
            return
        live = await listings_repo.count_live(scope.session)
        if not live:
            return
        message = (
            f"Your Vinted session expired with {live} live listings: log in to Vinted in your browser so "
            "sales can be synced and delisted."
        )
        await alert_service.raise_once(scope, AlertKind.SESSION_EXPIRED, message)
        scope.emit(
            AccountSessionExpired(marketplace=Marketplace.VINTED, account_id=account.id, live_listings=live)
        )

    async def _plan_allows(self, scope: Scope, account: VintedAccount, report: VintedSession) -> bool:
        """A Vinted account seen for the first time takes a marketplace slot of the plan; refused, it is not
        used (no job goes out) and the seller is told once. Billing unreachable raises: the report is
        retried, never taken unchecked."""
        slots = scope.context.slots
        if slots is None or report.user_id is None or report.user_id == account.vinted_user_id:
            return True
        try:
            await slots.claim(scope.tenant_id, str(report.user_id))
        except MarketplaceLimitReached as exc:
            await alert_service.raise_once(scope, AlertKind.PLAN_LIMIT, exc.detail[:500])
            return False
        await alert_service.resolve_kind(scope, AlertKind.PLAN_LIMIT)
        return True


account_service = AccountService()
