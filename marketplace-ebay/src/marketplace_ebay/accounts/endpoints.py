"""Connecting accounts (OAuth), listing and disconnecting them, the setup checklist."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.db.deps import SharedSession, TenantSession
from vitrine_kit.roles import Capability, needs
from vitrine_marketplace.slots import MarketplaceLimitReached

from marketplace_ebay.accounts import repository
from marketplace_ebay.accounts.policies import policy_service
from marketplace_ebay.accounts.policy_schemas import PoliciesOut, PolicyDefaults, PolicyIn, PolicyOut
from marketplace_ebay.accounts.schemas import AccountOut, ConnectIn, ConnectOut, SetupIn, SetupOut
from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.deps import AccountID, Ebay

router = APIRouter(tags=["accounts"])
EndListings = Annotated[bool, Query(description="End the account's live eBay listings, then disconnect")]


@router.post("/oauth/authorize", dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def authorize(
    body: ConnectIn, principal: TenantPrincipal, session: SharedSession, ebay: Ebay, response: Response
) -> ConnectOut:
    """Start connecting an eBay account: the consent URL to send the seller to, and a cookie binding the
    connection to this browser."""
    settings = ebay.settings
    url, browser = await account_service.start_connect(session, ebay, principal, body.site)
    response.set_cookie(
        settings.connect_cookie_name,
        browser,
        max_age=settings.oauth_state_ttl_s,
        path=settings.connect_cookie_path,
        httponly=True,
        secure=settings.connect_cookie_secure,
        samesite="lax",  # sent on eBay's top-level redirect back to the callback, not on cross-site requests
    )
    return ConnectOut(authorize_url=url, expires_in=settings.oauth_state_ttl_s)


@router.get("/oauth/callback", response_class=RedirectResponse, status_code=303)
async def callback(
    request: Request,
    ebay: Ebay,
    code: Annotated[str | None, Query()] = None,
    state: Annotated[str, Query()] = "",
    error: Annotated[str | None, Query()] = None,
) -> Response:
    """Where eBay sends the seller back (public): checks the state, stores the account, back to the app."""
    if error or not code:
        return RedirectResponse(f"{ebay.settings.app_url}?{urlencode({'ebay': 'declined'})}", status_code=303)
    try:
        browser = request.cookies.get(ebay.settings.connect_cookie_name)
        tenants = request.app.state.runtime.tenants
        account = await account_service.complete_connect(ebay, tenants, code, state, browser)
    except MarketplaceLimitReached as exc:  # the browser lands back in the app, told why
        query = urlencode({"ebay": "limit-reached", "plan": exc.extra.get("plan", ""), "detail": exc.detail})
        return RedirectResponse(f"{ebay.settings.app_url}?{query}", status_code=303)
    query = urlencode({"ebay": "connected", "account_id": str(account.id)})
    return RedirectResponse(f"{ebay.settings.app_url}?{query}", status_code=303)


@router.get("/accounts")
async def list_accounts(_: TenantPrincipal, session: TenantSession) -> list[AccountOut]:
    """The tenant's eBay accounts (never their tokens)."""
    return [
        AccountOut.model_validate(a, from_attributes=True) for a in await repository.all_accounts(session)
    ]


@router.delete("/accounts/{account_id}", status_code=204, dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def disconnect(
    account_id: AccountID,
    principal: TenantPrincipal,
    session: TenantSession,
    ebay: Ebay,
    end_listings: EndListings = False,
) -> Response:
    """End the account's live listings first (409 names them unless ``end_listings=true``), then forget
    the account and its tokens."""
    await account_service.disconnect(session, ebay, principal.tenant, account_id, end_listings=end_listings)
    return Response(status_code=204)


@router.get("/accounts/{account_id}/setup")
async def setup_check(
    account_id: AccountID, principal: TenantPrincipal, session: TenantSession, ebay: Ebay
) -> SetupOut:
    """What eBay needs before publishing: business policies opt-in, three policies, a location."""
    account = await account_service.get(session, account_id)
    return await account_service.check_setup(session, ebay, principal.tenant, account)


@router.post("/accounts/{account_id}/setup", dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def guided_setup(
    account_id: AccountID, body: SetupIn, principal: TenantPrincipal, session: TenantSession, ebay: Ebay
) -> SetupOut:
    """Create what is missing with sensible defaults, then answer the checklist."""
    account = await account_service.get(session, account_id)
    return await account_service.guided_setup(session, ebay, principal.tenant, account, body)


@router.get("/accounts/{account_id}/policies", dependencies=needs(Capability.MARKETPLACES_READ))
async def list_policies(
    account_id: AccountID, principal: TenantPrincipal, session: TenantSession, ebay: Ebay
) -> PoliciesOut:
    """The account's fulfilment, payment and return policies on its site, and which apply to new listings."""
    account = await account_service.get(session, account_id)
    return await policy_service.list(session, ebay, principal.tenant, account)


@router.post(
    "/accounts/{account_id}/policies", status_code=201, dependencies=needs(Capability.MARKETPLACES_CONNECT)
)
async def create_policy(
    account_id: AccountID, body: PolicyIn, principal: TenantPrincipal, session: TenantSession, ebay: Ebay
) -> PolicyOut:
    """Create a policy on the account's site (``kind``: fulfillment, payment, return); eBay's refusal is a 422
    naming each field."""
    account = await account_service.get(session, account_id)
    return await policy_service.create(session, ebay, principal.tenant, account, body)


@router.put(
    "/accounts/{account_id}/policies/{policy_id}", dependencies=needs(Capability.MARKETPLACES_CONNECT)
)
async def replace_policy(
    account_id: AccountID,
    policy_id: str,
    body: PolicyIn,
    principal: TenantPrincipal,
    session: TenantSession,
    ebay: Ebay,
) -> PolicyOut:
    """Replace a policy whole (listings using it follow on eBay); 404 when it is not one of the account's."""
    account = await account_service.get(session, account_id)
    return await policy_service.replace(session, ebay, principal.tenant, account, policy_id, body)


@router.put("/accounts/{account_id}/policy-defaults", dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def set_policy_defaults(
    account_id: AccountID,
    body: PolicyDefaults,
    principal: TenantPrincipal,
    session: TenantSession,
    ebay: Ebay,
) -> PolicyDefaults:
    """Choose the policies new listings of the account use (a kind left out keeps its own)."""
    account = await account_service.get(session, account_id)
    return await policy_service.set_defaults(session, ebay, principal.tenant, account, body)
