"""Consent page, token endpoint, Identity API and the Notification API's public key."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from sandbox_ebay.deps import AppToken, CurrentSeller, SettingsDep, WorldDep
from sandbox_ebay.errors import EbayError, OAuthError, error_item, not_found
from sandbox_ebay.state import AccessToken, AuthCode, RefreshToken

router = APIRouter()


@router.get("/oauth2/authorize", tags=["oauth"])
async def authorize(request: Request, world: WorldDep, settings: SettingsDep) -> RedirectResponse:
    """The consent page, approved at once: redirects to the RuName's accepted URL with code and state."""
    q = request.query_params
    if q.get("client_id") not in settings.clients:
        raise OAuthError(400, "invalid_client", "unknown client_id")
    if q.get("response_type") != "code":
        raise OAuthError(400, "unsupported_response_type", "response_type must be code")
    accepted = settings.ru_names.get(q.get("redirect_uri", ""))
    if accepted is None:
        raise OAuthError(400, "invalid_request", "redirect_uri is not a RuName of this application")
    seller = world.new_seller(q.get("username"), q.get("marketplace", "EBAY_GB"))
    code = "v^1.1#i^1#sbx-code-" + secrets.token_urlsafe(24)
    with world.lock:
        world.codes[code] = AuthCode(
            seller.user_id,
            q["client_id"],
            q["redirect_uri"],
            q.get("scope", "").split(),
            time.time() + settings.auth_code_ttl_s,
        )
    params = {"code": code, "expires_in": str(settings.auth_code_ttl_s)}
    if q.get("state") is not None:
        params["state"] = q["state"]
    separator = "&" if "?" in accepted else "?"
    return RedirectResponse(accepted + separator + urlencode(params), status_code=302)


def _client(request: Request, settings: SettingsDep) -> str:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        raise OAuthError(401, "invalid_client", "client authentication failed")
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError(401, "invalid_client", "client authentication failed") from exc
    if settings.clients.get(client_id) != secret or not secret:
        raise OAuthError(401, "invalid_client", "client authentication failed")
    return client_id


@router.post("/identity/v1/oauth2/token", tags=["oauth"])
async def token(request: Request, world: WorldDep, settings: SettingsDep) -> dict[str, Any]:
    """authorization_code, refresh_token and client_credentials grants, with eBay's lifetimes."""
    client_id = _client(request, settings)
    form = dict(parse_qsl((await request.body()).decode()))
    grant = form.get("grant_type")
    now = time.time()
    access = "v^1.1#i^1#sbx-at-" + secrets.token_urlsafe(32)
    with world.lock:
        if grant == "authorization_code":
            code = world.codes.get(form.get("code", ""))
            if code is None or code.used or code.expires_at <= now or code.client_id != client_id:
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "the provided authorization grant code is invalid or was issued to another client",
                )
            if form.get("redirect_uri") != code.redirect_uri:
                raise OAuthError(
                    400, "invalid_grant", "the redirect_uri does not match the authorization request"
                )
            code.used = True
            refresh = "v^1.1#i^1#sbx-rt-" + secrets.token_urlsafe(32)
            world.refresh[refresh] = RefreshToken(
                code.user_id, client_id, now + settings.refresh_token_ttl_s, code.scopes
            )
            world.access[access] = AccessToken(code.user_id, now + settings.access_token_ttl_s, code.scopes)
            return {
                "access_token": access,
                "expires_in": settings.access_token_ttl_s,
                "refresh_token": refresh,
                "refresh_token_expires_in": settings.refresh_token_ttl_s,
                "token_type": "User Access Token",
            }
        if grant == "refresh_token":
            found = world.refresh.get(form.get("refresh_token", ""))
            if found is None or found.revoked or found.expires_at <= now or found.client_id != client_id:
                raise OAuthError(
                    400,
                    "invalid_grant",
                    "the provided authorization refresh token is invalid or was issued to another client",
                )
            scopes = form.get("scope", "").split() or found.scopes
            if not set(scopes) <= set(found.scopes):
                raise OAuthError(
                    400,
                    "invalid_scope",
                    "the requested scope is invalid, unknown, malformed, or exceeds the scope granted to the client",
                )
            world.access[access] = AccessToken(found.user_id, now + settings.access_token_ttl_s, scopes)
            return {
                "access_token": access,
                "expires_in": settings.access_token_ttl_s,
                "token_type": "User Access Token",
            }
        if grant == "client_credentials":
            world.access[access] = AccessToken(
                None, now + settings.access_token_ttl_s, form.get("scope", "").split()
            )
            return {
                "access_token": access,
                "expires_in": settings.access_token_ttl_s,
                "token_type": "Application Access Token",
            }
    raise OAuthError(
        400, "unsupported_grant_type", "grant type in request is not supported by the authorization server"
    )


@router.get("/commerce/identity/v1/user/", tags=["identity"])
async def identity(seller: CurrentSeller) -> dict[str, Any]:
    """The seller behind the token."""
    return {
        "userId": seller.user_id,
        "username": seller.username,
        "accountType": "INDIVIDUAL",
        "registrationMarketplaceId": seller.marketplace,
    }


@router.get("/commerce/notification/v1/public_key/{kid}", tags=["notification"])
async def public_key(kid: str, world: WorldDep, token: AppToken) -> dict[str, Any]:
    """The key that verifies notification signatures (an application token is required)."""
    if token.user_id is not None:
        raise EbayError(
            403,
            error_item(
                195001,
                "Insufficient permissions: an application token is required",
                domain="API_NOTIFICATION",
            ),
        )
    if kid != world.signer.kid:
        raise not_found(195002, "public key", domain="API_NOTIFICATION")
    return {"algorithm": "ECDSA", "digest": "SHA1", "key": world.signer.public_key_one_line()}
