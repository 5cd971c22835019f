"""Business policies of an account's site: list, create, replace (eBay Account API), and the default set.

Vitrine's fields are turned into eBay's bodies here; eBay validates the values (return periods, the site's
shipping services…) and each fault it names (``inputRefIds``) comes back as a 422 naming Vitrine's field.
The default set is the account's three policy ids: the ones new listings of the account are published with.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.ebay_api import PolicyCheckRequest, PolicyCheckResult, PolicyFault
from vitrine_kit.errors import ProblemError
from vitrine_marketplace import MarketplaceRejected
from vitrine_marketplace.errors import NotFoundOnMarketplace

from marketplace_ebay.accounts.policy_schemas import (
    FulfillmentPolicyIn,
    PaymentPolicyIn,
    PoliciesOut,
    PolicyDefaults,
    PolicyOut,
    ReturnPolicyIn,
    ShippingServiceIn,
)
from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import CURRENCIES, POLICY_KINDS, EbaySeller
from marketplace_ebay.ebay_policies import PolicyApi
from marketplace_ebay.models import EbayAccount
from marketplace_ebay.publications.sites import site_account

AnyPolicyIn = FulfillmentPolicyIn | PaymentPolicyIn | ReturnPolicyIn
CATEGORY_TYPES = [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": False}]


class PolicyInvalid(ProblemError):
    status, code, title = 422, "policy-invalid", "eBay refused the policy"


class PolicyNotFound(ProblemError):
    status, code, title = 404, "policy-not-found", "No such policy on this eBay account"


class DefaultPolicyInvalid(ProblemError):
    status, code, title = 422, "default-policy-invalid", "A chosen policy is not one of this account's site"


def currency_of(site: str) -> str:
    return CURRENCIES.get(site, "EUR")


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{amount:.2f}", "currency": currency}


def to_ebay(body: AnyPolicyIn, site: str) -> dict[str, Any]:
    """eBay's policy body for ``body`` on ``site`` (prices in the site's currency)."""
    out: dict[str, Any] = {"name": body.name, "marketplaceId": site, "categoryTypes": CATEGORY_TYPES}
    if body.description:
        out["description"] = body.description
    currency = currency_of(site)
    if isinstance(body, FulfillmentPolicyIn):
        services = []
        for n, service in enumerate(body.shipping_services, start=1):
            row: dict[str, Any] = {
                "sortOrder": n,
                "shippingServiceCode": service.service_code,
                "shippingCost": _money(Decimal(0) if service.free_shipping else service.cost, currency),
                "freeShipping": service.free_shipping,
            }
            if service.additional_cost is not None:
                row["additionalShippingCost"] = _money(service.additional_cost, currency)
            services.append(row)
        out["handlingTime"] = {"value": body.handling_days, "unit": "DAY"}
        out["shippingOptions"] = [
            {"optionType": "DOMESTIC", "costType": "FLAT_RATE", "shippingServices": services}
        ]
    elif isinstance(body, PaymentPolicyIn):
        out["immediatePay"] = body.immediate_pay
    else:
        out["returnsAccepted"] = body.returns_accepted
        if body.returns_accepted:
            if body.return_days is not None:
                out["returnPeriod"] = {"value": body.return_days, "unit": "DAY"}
            out["returnShippingCostPayer"] = body.return_shipping_paid_by
            out["refundMethod"] = body.refund_method
    return out


def from_ebay(kind: str, policy: dict[str, Any], default_id: str | None) -> PolicyOut:
    """A policy as eBay keeps it, in Vitrine's fields (what the seller edits)."""
    policy_id = str(policy.get(f"{kind}PolicyId"))
    out = PolicyOut(
        kind=kind,  # type: ignore[arg-type]
        policy_id=policy_id,
        name=str(policy.get("name", "")),
        description=policy.get("description"),
        is_default=policy_id == default_id,
    )
    if kind == "fulfillment":
        out.handling_days = (policy.get("handlingTime") or {}).get("value")
        out.shipping_services = [
            ShippingServiceIn(
                service_code=str(s.get("shippingServiceCode", "")),
                cost=Decimal(str((s.get("shippingCost") or {}).get("value", "0"))),
                additional_cost=(
                    Decimal(str(s["additionalShippingCost"]["value"]))
                    if s.get("additionalShippingCost")
                    else None
                ),
                free_shipping=bool(s.get("freeShipping", False)),
            )
            for option in policy.get("shippingOptions") or []
            for s in option.get("shippingServices") or []
        ]
    elif kind == "payment":
        out.immediate_pay = policy.get("immediatePay")
    else:
        out.returns_accepted = policy.get("returnsAccepted")
        out.return_days = (policy.get("returnPeriod") or {}).get("value")
        out.return_shipping_paid_by = policy.get("returnShippingCostPayer")
        out.refund_method = policy.get("refundMethod")
    return out


_FIELDS = {
    "$.name": "name",
    "$.description": "description",
    "$.marketplaceId": "site",
    "$.immediatePay": "immediate_pay",
    "$.returnsAccepted": "returns_accepted",
    "$.returnPeriod": "return_days",
    "$.returnShippingCostPayer": "return_shipping_paid_by",
    "$.refundMethod": "refund_method",
    "$.handlingTime": "handling_days",
    "$.shippingOptions": "shipping_services",
}
_SERVICE = re.compile(r"^\$\.shippingOptions\[\d+\]\.shippingServices\[(\d+)\](?:\.(\w+))?")
_SERVICE_FIELDS = {
    "shippingServiceCode": "service_code",
    "shippingCost": "cost",
    "additionalShippingCost": "additional_cost",
}


def field_of(ref: str) -> str:
    """Vitrine's field for one of eBay's ``inputRefIds`` (``$.returnPeriod.value`` → ``return_days``)."""
    found = _SERVICE.match(ref)
    if found:
        index, leaf = found.groups()
        return f"shipping_services[{index}]" + (f".{_SERVICE_FIELDS.get(leaf, leaf)}" if leaf else "")
    for prefix, name in _FIELDS.items():
        if ref == prefix or ref.startswith((prefix + ".", prefix + "[")):
            return name
    return ref.removeprefix("$.")


def invalid(exc: MarketplaceRejected) -> PolicyInvalid:
    """eBay's refusal as one 422 naming every field it found fault with."""
    items = exc.details if isinstance(exc.details, list) else []
    errors = [
        {"field": field_of(ref) if ref else None, "message": str(e.get("longMessage") or e.get("message"))}
        for e in items
        if isinstance(e, dict)
        for ref in (e.get("inputRefIds") or [None])
    ]
    fields = [str(e["field"]) for e in errors if e["field"]]
    detail = f"eBay refused: {', '.join(dict.fromkeys(fields))}" if fields else exc.message
    return PolicyInvalid(detail, errors=errors or [{"field": None, "message": exc.message}])


class PolicyService:
    async def list(
        self, session: AsyncSession, ctx: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> PoliciesOut:
        async def run(seller: EbaySeller) -> list[PolicyOut]:
            out = []
            for kind in POLICY_KINDS:
                default = getattr(account, f"{kind}_policy_id")
                out += [from_ebay(kind, p, default) for p in await ctx.ebay.policies(seller, kind)]
            return out

        policies = await account_service.guarded(session, ctx, tenant_id, account, run)
        return PoliciesOut(
            account_id=account.id,
            site=account.site,
            currency=currency_of(account.site),
            defaults=_defaults(account),
            policies=policies,
        )

    async def create(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        body: AnyPolicyIn,
    ) -> PolicyOut:
        ebay_body = to_ebay(body, account.site)

        async def run(seller: EbaySeller) -> str:
            try:
                return await PolicyApi(ctx.ebay).create(seller, body.kind, ebay_body)
            except MarketplaceRejected as exc:
                raise invalid(exc) from exc

        policy_id = await account_service.guarded(session, ctx, tenant_id, account, run)
        return from_ebay(
            body.kind,
            {**ebay_body, f"{body.kind}PolicyId": policy_id},
            getattr(account, f"{body.kind}_policy_id"),
        )

    async def replace(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        policy_id: str,
        body: AnyPolicyIn,
    ) -> PolicyOut:
        ebay_body = to_ebay(body, account.site)

        async def run(seller: EbaySeller) -> dict[str, Any]:
            try:
                await _own(ctx, seller, body.kind, policy_id)
                return await PolicyApi(ctx.ebay).replace(seller, body.kind, policy_id, ebay_body)
            except NotFoundOnMarketplace as exc:
                raise PolicyNotFound(f"No {body.kind} policy {policy_id} on this eBay account.") from exc
            except MarketplaceRejected as exc:
                raise invalid(exc) from exc

        updated = await account_service.guarded(session, ctx, tenant_id, account, run)
        return from_ebay(body.kind, updated, getattr(account, f"{body.kind}_policy_id"))

    async def set_defaults(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        body: PolicyDefaults,
    ) -> PolicyDefaults:
        """Check every chosen policy on eBay (one 422 naming all those that are not the account's site's),
        then keep them as the set new listings use; a kind left out keeps its current policy."""
        chosen = {kind: getattr(body, f"{kind}_policy_id") for kind in POLICY_KINDS}

        async def run(seller: EbaySeller) -> list[dict[str, str]]:
            faults = []
            for kind, policy_id in chosen.items():
                if policy_id is None:
                    continue
                try:
                    await _own(ctx, seller, kind, policy_id)
                except NotFoundOnMarketplace:
                    faults.append(
                        {
                            "field": f"{kind}_policy_id",
                            "message": f"no {kind} policy {policy_id} on {account.site}",
                        }
                    )
            return faults

        faults = await account_service.guarded(session, ctx, tenant_id, account, run)
        if faults:
            raise DefaultPolicyInvalid(
                "Not policies of this account's site: " + ", ".join(f["field"] for f in faults), errors=faults
            )
        for kind, policy_id in chosen.items():
            if policy_id is not None:
                setattr(account, f"{kind}_policy_id", policy_id)
        await session.flush()
        return _defaults(account)

    async def check_listing(
        self, session: AsyncSession, ctx: EbayContext, body: PolicyCheckRequest
    ) -> PolicyCheckResult:
        """Whether each policy a publish chose for ``body.site`` is one of the seller's there (read on eBay
        through the tenant's account on that site): every one that is not named in ``faults``."""
        account = await site_account(session, body.account_id, body.site)
        if account is None:
            fault = PolicyFault(field="account", message=f"no active eBay account on {body.site}")
            return PolicyCheckResult(site=body.site, account_id=None, faults=[fault])
        chosen = {field.removesuffix("_policy_id"): i for field, i in body.policies.chosen().items()}

        async def run(seller: EbaySeller) -> list[PolicyFault]:
            return [
                PolicyFault(
                    field=f"{kind}_policy_id", message=f"no {kind} policy {policy_id} on {seller.site}"
                )
                for kind, policy_id in chosen.items()
                if not await _is_own(ctx, seller, kind, policy_id)
            ]

        faults = await account_service.guarded(session, ctx, body.tenant_id, account, run)
        return PolicyCheckResult(site=body.site, account_id=account.id, faults=faults)


async def _is_own(ctx: EbayContext, seller: EbaySeller, kind: str, policy_id: str) -> bool:
    try:
        await _own(ctx, seller, kind, policy_id)
    except NotFoundOnMarketplace:
        return False
    return True


async def _own(ctx: EbayContext, seller: EbaySeller, kind: str, policy_id: str) -> dict[str, Any]:
    """The policy, if it is one of the seller's on the account's site (else ``NotFoundOnMarketplace``)."""
    policy = await PolicyApi(ctx.ebay).get(seller, kind, policy_id)
    if policy.get("marketplaceId") != seller.site:
        raise NotFoundOnMarketplace(f"{kind} policy {policy_id} is not one of {seller.site}")
    return policy


def _defaults(account: EbayAccount) -> PolicyDefaults:
    return PolicyDefaults(
        fulfillment_policy_id=account.fulfillment_policy_id,
        payment_policy_id=account.payment_policy_id,
        return_policy_id=account.return_policy_id,
    )


policy_service = PolicyService()
