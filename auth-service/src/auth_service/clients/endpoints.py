"""``/oauth/token`` (client credentials) and ``/introspect``."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from vitrine_kit.db.deps import SharedSession
from vitrine_kit.errors import ProblemError

from auth_service.clients.schemas import IntrospectionOut, ServiceTokenOut
from auth_service.clients.service import client_credentials, client_service
from auth_service.deps import Auth, IntrospectCaller

router = APIRouter(tags=["service clients"])


class UnsupportedGrant(ProblemError):
    status, code, title = 400, "unsupported_grant_type", "Only grant_type=client_credentials is supported"


async def _form(request: Request) -> dict[str, str]:
    # OAuth clients send application/x-www-form-urlencoded; JSON is accepted too.
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


Form = Annotated[dict[str, str], Depends(_form)]


@router.post("/oauth/token")
async def token(request: Request, form: Form, session: SharedSession, auth: Auth) -> ServiceTokenOut:
    """Client-credentials grant: a service token (5 min) with scope ``service`` and the allowed scopes."""
    if form.get("grant_type") != "client_credentials":
        raise UnsupportedGrant(error="unsupported_grant_type")
    client_id, secret = client_credentials(request.headers.get("authorization"), form)
    return await client_service.token(
        session, auth, client_id=client_id, secret=secret, scope=form.get("scope")
    )


@router.post("/introspect")
async def introspect(
    request: Request, form: Form, _: IntrospectCaller, session: SharedSession
) -> IntrospectionOut:
    """RFC 7662 introspection for services (the relay checks plugin tokens here)."""
    return await client_service.introspect(session, request.app.state.verifier, form.get("token", ""))
