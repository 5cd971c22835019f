"""Connecting the shop (OAuth with PKCE), reading and disconnecting it, the setup checklist."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from starlette.responses import RedirectResponse
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.roles import Capability, needs

from marketplace_etsy.accounts.connect import ConnectFailed, ConnectFailure, connect_service
from marketplace_etsy.accounts.schemas import AccountOut, ConnectOut, SetupOut
from marketplace_etsy.accounts.service import account_service
from marketplace_etsy.accounts.setup import setup_service
from marketplace_etsy.config import Settings
from marketplace_etsy.scope import Context, RequestScope

router = APIRouter(tags=["account"])


def _back(settings: Settings, **query: str) -> RedirectResponse:
    response = RedirectResponse(
        f"{settings.app_url}?{urlencode({'etsy': 'error', **query})}", status_code=303
    )
    response.delete_cookie(settings.connect_cookie_name, path=settings.connect_cookie_path)
    return response


@router.post("/oauth/authorize", dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def authorize(scope: RequestScope, principal: TenantPrincipal, response: Response) -> ConnectOut:
    """Start connecting the Etsy shop: the consent URL, and a cookie binding the connection to this browser."""
    settings = scope.context.settings
    url, browser = await connect_service.start(scope, principal)
    response.set_cookie(
        settings.connect_cookie_name,
        browser,
        max_age=settings.oauth_state_ttl_s,
        path=settings.connect_cookie_path,
        httponly=True,
        secure=settings.connect_cookie_secure,
        samesite="lax",  # sent on Etsy's top-level redirect back to the callback, not on cross-site requests
    )
    return ConnectOut(authorize_url=url, expires_in=settings.oauth_state_ttl_s)


@router.get("/oauth/callback", response_class=RedirectResponse, status_code=303)
async def callback(
    ctx: Context,
    request: Request,
    code: Annotated[str | None, Query()] = None,
    state: Annotated[str, Query()] = "",
    error: Annotated[str | None, Query()] = None,
) -> RedirectResponse:
    """Where Etsy sends the seller back (public): checks the state and this browser, stores the shop."""
    settings = ctx.settings
    if error or not code:
        return _back(settings, reason=ConnectFailure.DECLINED.value)
    try:
        browser = request.cookies.get(settings.connect_cookie_name)
        account = await connect_service.complete(ctx, code, state, browser)
    except ConnectFailed as failed:
        return _back(settings, reason=failed.reason.value)
    return _back(settings, etsy="connected", account_id=str(account.id))


@router.get("/account")
async def get_account(scope: RequestScope) -> AccountOut:
    """The tenant's Etsy shop (never its tokens)."""
    return AccountOut.model_validate(await account_service.get(scope), from_attributes=True)


@router.delete("/account", status_code=204, dependencies=needs(Capability.MARKETPLACES_CONNECT))
async def disconnect(scope: RequestScope) -> Response:
    """Forget the shop and its tokens."""
    await account_service.disconnect(scope)
    return Response(status_code=204)


@router.get("/account/setup")
async def setup(scope: RequestScope) -> SetupOut:
    """What Etsy needs before a listing goes live, what is missing, and how to fix it."""
    return await setup_service.check(scope)
