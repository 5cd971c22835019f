"""``/oauth/connect`` (consent, approved at once) and ``/v3/public/oauth/token`` (PKCE S256 only)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse

from sandbox_etsy.deps import SettingsDep, WorldDep
from sandbox_etsy.errors import OAuthError
from sandbox_etsy.params import body_params
from sandbox_etsy.state import SCOPES, AccessToken, AuthCode, RefreshToken, World

router = APIRouter(tags=["oauth"])
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def s256(verifier: str) -> str:
    """RFC 7636: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _error_page(message: str) -> HTMLResponse:
    """What Etsy shows the seller when the request cannot even be sent back to the app."""
    return HTMLResponse(
        f"<!doctype html><title>Etsy</title><h1>An error occurred</h1><p>{escape(message)}</p>",
        status_code=400,
    )


def _back(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(params), status_code=302)


@router.get("/oauth/connect", response_model=None)
async def connect(
    request: Request, world: WorldDep, settings: SettingsDep
) -> RedirectResponse | HTMLResponse:
    """The consent page, approved at once for a new seller (or ``?user=`` an existing or named one).

    Sandbox extras: ``user`` (login name or id), ``country``, ``currency``, ``deny=1`` (the seller refuses).
    """
    q = request.query_params
    if q.get("client_id") != settings.keystring:
        return _error_page("The application could not be found: client_id is not a valid API keystring.")
    redirect_uri = q.get("redirect_uri", "")
    if redirect_uri not in settings.redirect_uris:
        return _error_page("The requested redirect URL is not permitted.")
    state = q.get("state")

    def refuse(error: str, description: str) -> RedirectResponse:
        params = {"error": error, "error_description": description}
        if state is not None:
            params["state"] = state
        return _back(redirect_uri, params)

    if q.get("response_type") != "code":
        return refuse("unsupported_response_type", "response_type must be code")
    scopes = q.get("scope", "").split()
    if not scopes:
        return refuse("invalid_scope", "scope is required")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        return refuse("invalid_scope", f"unknown scope: {' '.join(unknown)}")
    if not state:
        return refuse("invalid_request", "state is required")
    challenge = q.get("code_challenge", "")
    if not challenge:
        return refuse("invalid_request", "code_challenge is required")
    if q.get("code_challenge_method") != "S256":
        return refuse("invalid_request", "code_challenge_method must be S256")
    if not CHALLENGE.fullmatch(challenge):
        return refuse("invalid_request", "code_challenge is invalid")
    if q.get("deny") in {"1", "true"}:
        return refuse("access_denied", "The user denied the request")
    name = q.get("user")
    seller = world.seller_named(name) if name else None
    if seller is None:
        seller = world.new_seller(
            name, q.get("country", settings.shop_country).upper(), q.get("currency", settings.shop_currency)
        )
    code = secrets.token_urlsafe(48)
    world.codes[code] = AuthCode(
        seller.user_id,
        settings.keystring,
        redirect_uri,
        scopes,
        challenge,
        time.time() + settings.auth_code_ttl_s,
    )
    return _back(redirect_uri, {"code": code, "state": state})


def _issue(
    world: World, user_id: int, client_id: str, scopes: list[str], ttls: tuple[int, int]
) -> dict[str, Any]:
    at = time.time()
    access = f"{user_id}.{secrets.token_urlsafe(54)}"
    refresh = f"{user_id}.{secrets.token_urlsafe(54)}"
    world.access[access] = AccessToken(user_id, client_id, scopes, at + ttls[0])
    world.refresh[refresh] = RefreshToken(user_id, client_id, scopes, at + ttls[1])
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttls[0], "refresh_token": refresh}


@router.post("/v3/public/oauth/token")
async def token(request: Request, world: WorldDep, settings: SettingsDep) -> dict[str, Any]:
    """authorization_code (code single use, redirect_uri and PKCE verifier checked) and refresh_token
    (rotating: a new refresh token each time, the one sent is dead afterwards)."""
    form = await body_params(request)
    grant = form.text("grant_type")
    if not grant:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    client_id = form.text("client_id")
    if not client_id:
        raise OAuthError(400, "invalid_request", "client_id is required")
    if client_id != settings.keystring:
        raise OAuthError(401, "invalid_client", "client_id is invalid")
    ttls = (settings.access_token_ttl_s, settings.refresh_token_ttl_s)
    if grant == "authorization_code":
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.text(name):
                raise OAuthError(400, "invalid_request", f"{name} is required")
        code = world.codes.get(form.text("code") or "")
        if code is None or code.client_id != client_id:
            raise OAuthError(400, "invalid_grant", "code is invalid")
        if code.used:
            raise OAuthError(400, "invalid_grant", "code has already been used")
        if code.expires_at <= time.time():
            raise OAuthError(400, "invalid_grant", "code is expired")
        if form.text("redirect_uri") != code.redirect_uri:
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
        verifier = form.text("code_verifier") or ""
        if not VERIFIER.fullmatch(verifier) or s256(verifier) != code.challenge:
            raise OAuthError(400, "invalid_grant", "code_verifier is invalid")
        code.used = True
        return _issue(world, code.user_id, client_id, code.scopes, ttls)
    if grant == "refresh_token":
        sent = form.text("refresh_token")
        if not sent:
            raise OAuthError(400, "invalid_request", "refresh_token is required")
        found = world.refresh.get(sent)
        if found is None or found.client_id != client_id:
            raise OAuthError(400, "invalid_grant", "refresh_token is invalid")
        if found.revoked:
            raise OAuthError(400, "invalid_grant", "refresh_token is revoked")
        if found.used:
            raise OAuthError(400, "invalid_grant", "refresh_token has already been used")
        if found.expires_at <= time.time():
            raise OAuthError(400, "invalid_grant", "refresh_token is expired")
        found.used = True
        return _issue(world, found.user_id, client_id, found.scopes, ttls)
    raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant} is not supported")
