"""Bodies of the client-credentials grant and of introspection (RFC 6749 §4.4, RFC 7662)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ServiceTokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class IntrospectionOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    active: bool

    @classmethod
    def inactive(cls) -> IntrospectionOut:
        return cls(active=False)

    @classmethod
    def of(cls, claims: dict[str, Any], kind: str) -> IntrospectionOut:
        keep = ("sub", "tid", "roles", "scope", "exp", "iat", "jti", "iss", "aud")
        return cls(active=True, kind=kind, **{k: claims[k] for k in keep if k in claims})
