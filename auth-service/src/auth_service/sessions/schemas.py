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
