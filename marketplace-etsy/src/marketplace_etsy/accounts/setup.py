"""What a shop needs before Etsy activates a physical listing, and how the seller gets it.

Etsy refuses to activate a physical listing without a shipping profile and a processing profile (readiness
state); outside the EU it also wants a return policy. The checklist reads the shop's profiles and says what
is missing; the profiles it finds are the ones Vitrine's listings use (the seller's choice is kept while it
still exists on Etsy).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from vitrine_marketplace import AuthRevoked, MarketplaceError, MarketplaceRejected

from marketplace_etsy.accounts import repository
from marketplace_etsy.accounts.schemas import SetupItem, SetupItemKind, SetupOut
from marketplace_etsy.accounts.tokens import token_service
from marketplace_etsy.context import EtsyContext
from marketplace_etsy.errors import AccountNeedsReconnect, AccountNotFound, EtsyRejected, EtsyUnavailable
from marketplace_etsy.etsy.listing import EtsyShop
from marketplace_etsy.models import EtsyAccount
from marketplace_etsy.scope import Scope

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
FIXES = {
    SetupItemKind.SHOP: "Open your Etsy shop (Etsy > Sell on Etsy), then connect it to Vitrine again.",
    SetupItemKind.SHIPPING_PROFILE: (
        "Create a shipping profile in Etsy's Shop Manager > Settings > Delivery settings, then check again."
    ),
    SetupItemKind.PROCESSING_PROFILE: (
        "Create a processing profile (how long you take to ship) in Etsy's Shop Manager > Settings > "
        "Delivery settings, then check again."
    ),
    SetupItemKind.RETURN_POLICY: (
        "Create a return policy in Etsy's Shop Manager > Settings > Policies, then check again."
    ),
}


@dataclass(frozen=True)
class ShopSetup:
    """The shop's profiles as found on Etsy, and the ones Vitrine will use."""

    checklist: list[SetupItem]
    shipping_profile_id: int | None
    readiness_state_id: int | None
    return_policy_id: int | None

    @property
    def ready(self) -> bool:
        return all(item.ok for item in self.checklist if item.required)

    def missing(self) -> list[SetupItem]:
        return [item for item in self.checklist if item.required and not item.ok]


def _pick(current: int | None, found: list[int]) -> int | None:
    return current if current in found else (found[0] if found else None)


class SetupService:
    async def inspect(self, ctx: EtsyContext, tenant_id: uuid.UUID, account: EtsyAccount) -> ShopSetup:
        """Read the shop's profiles on Etsy with a fresh token (nothing is written: callers keep what they
        need)."""
        if account.shop_id is None:
            return ShopSetup([_item(SetupItemKind.SHOP, None)], None, None, None)

        async def read(shop: EtsyShop) -> ShopSetup:
            return await self.inspect_with(ctx, shop, account)

        return await token_service.call(ctx, tenant_id, account, read)

    async def inspect_with(self, ctx: EtsyContext, shop: EtsyShop, account: EtsyAccount) -> ShopSetup:
        """The checklist of ``shop`` (already holding a fresh token)."""
        shipping = await ctx.etsy.shipping_profiles(shop)
        readiness = await ctx.etsy.readiness_states(shop)
        returns = await ctx.etsy.return_policies(shop)
        shipping_id = _pick(account.shipping_profile_id, [p.shipping_profile_id for p in shipping])
        readiness_id = _pick(account.readiness_state_id, [r.readiness_state_id for r in readiness])
        return_id = _pick(account.return_policy_id, [r.return_policy_id for r in returns])
        titles = {p.shipping_profile_id: p.title for p in shipping}
        labels = {r.readiness_state_id: r.processing_days_display_label for r in readiness}
        deadlines = {r.return_policy_id: f"{r.return_deadline} days" for r in returns if r.return_deadline}
        needs_returns = (account.country or "").upper() not in EU
        return ShopSetup(
            [
                _item(SetupItemKind.SHOP, account.shop_name or str(account.shop_id)),
                _item(SetupItemKind.SHIPPING_PROFILE, _detail(shipping_id, titles)),
                _item(SetupItemKind.PROCESSING_PROFILE, _detail(readiness_id, labels)),
                _item(
                    SetupItemKind.RETURN_POLICY,
                    _detail(return_id, deadlines),
                    required=needs_returns,
                ),
            ],
            shipping_id,
            readiness_id,
            return_id,
        )

    async def check(self, scope: Scope) -> SetupOut:
        """``GET /account/setup``: the checklist; the profiles found become the shop's defaults."""
        account = await repository.current(scope.session)
        if account is None:
            raise AccountNotFound()
        try:
            setup = await self.inspect(scope.context, scope.tenant_id, account)
        except AuthRevoked as exc:
            raise AccountNeedsReconnect() from exc
        except MarketplaceRejected as exc:
            raise EtsyRejected(exc.message) from exc
        except MarketplaceError as exc:
            raise EtsyUnavailable(exc.message) from exc
        # Written after every Etsy call: a token refresh locks this row in a transaction of its own.
        account.shipping_profile_id = setup.shipping_profile_id
        account.readiness_state_id = setup.readiness_state_id
        account.return_policy_id = setup.return_policy_id
        return SetupOut(account_id=account.id, ready=setup.ready, checklist=setup.checklist)


def _detail(found: int | None, labels: Mapping[int, str | None]) -> str | None:
    if found is None:
        return None
    label = labels.get(found)
    return f"{label} ({found})" if label else str(found)


def _item(kind: SetupItemKind, detail: str | None, *, required: bool = True) -> SetupItem:
    ok = detail is not None
    return SetupItem(item=kind, ok=ok, required=required, detail=detail, fix=None if ok else FIXES[kind])


setup_service = SetupService()
