"""Request and response bodies of login, refresh and logout."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    tenant_id: uuid.UUID | None = Field(default=None, description="Default: the user's first owned tenant.")


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int


class BrowserSession(BaseModel):
    """A session opened or refreshed in cookies: the tokens are in httpOnly cookies, never in the body."""

    token_type: str = "cookie"
    expires_in: int = Field(description="Seconds the access cookie lasts; then POST /sessions/refresh.")
    csrf_token: str = Field(description="Also in the vitrine_csrf cookie: echo it in X-CSRF-Token on writes.")
