"""The tenant's Etsy shop: reading it and disconnecting it."""

from __future__ import annotations

import logging

from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountDisconnected

from marketplace_etsy.accounts import repository
from marketplace_etsy.errors import AccountNotFound
from marketplace_etsy.models import EtsyAccount
from marketplace_etsy.scope import Scope

logger = logging.getLogger(__name__)


class AccountService:
    async def get(self, scope: Scope) -> EtsyAccount:
        account = await repository.current(scope.session)
        if account is None:
            raise AccountNotFound()
        return account

    async def disconnect(self, scope: Scope) -> None:
        """Forget the shop, its tokens, its listings' records and its poll schedule.

        Etsy's Open API v3 offers no endpoint to revoke a token: the tokens are deleted here, and the seller
        can remove the app from their Etsy account settings; the refresh token dies unused after 90 days.
        """
        account = await self.get(scope)
        await repository.forget(scope.session, account)
        scope.emit(AccountDisconnected(marketplace=Marketplace.ETSY, account_id=account.id, reason="seller"))
        if scope.context.slots is not None:
            await scope.context.slots.release(scope.tenant_id, str(account.etsy_user_id))
        logger.info("etsy shop disconnected", extra={"account": str(account.id)})


account_service = AccountService()
