"""Who is calling: the claims of a verified access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vitrine_kit.errors import Forbidden


class NoTenant(Forbidden):
    """The caller is bound to no tenant (a service token) where a tenant is required."""


class TokenKind(StrEnum):
    """The three kinds of token auth-service issues; each is accepted only where it is declared."""

    USER = "user"  # a person acting for a tenant with a role (15 min)
    PLUGIN = "plugin"  # a paired browser plugin of a tenant: the relay only
    SERVICE = "service"  # a Vitrine service (client credentials): /internal endpoints with their scope


ANY_KIND = frozenset(TokenKind)
USER_OR_SERVICE = frozenset({TokenKind.USER, TokenKind.SERVICE})


def kind_of(scopes: frozenset[str]) -> TokenKind:
    """The kind a token's scopes declare (the verifier checks it against the audience)."""
    if TokenKind.SERVICE.value in scopes:
        return TokenKind.SERVICE
    if TokenKind.PLUGIN.value in scopes:
        return TokenKind.PLUGIN
    return TokenKind.USER


def scopes_of(claims: dict[str, Any]) -> frozenset[str]:
    """The ``scope`` claim as a set (a space-separated string, or a list)."""
    scope = claims.get("scope", "")
    return frozenset(scope.split()) if isinstance(scope, str) else frozenset(scope or ())


@dataclass(frozen=True)
class Principal:
    """A verified caller: a user acting for a tenant, a plugin of a tenant, or a service."""

    subject: str
    tenant_id: uuid.UUID | None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    token_id: str | None = None
    kind: TokenKind = TokenKind.USER
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tenant(self) -> uuid.UUID:
        """The tenant this caller acts for; ``NoTenant`` (403) for a caller bound to none."""
        if self.tenant_id is None:
            raise NoTenant("This operation needs a token bound to a seller account.")
        return self.tenant_id

    @property
    def user_id(self) -> uuid.UUID:
        """The user's id; only for ``kind == "user"``."""
        return uuid.UUID(self.subject)

    @property
    def device_id(self) -> uuid.UUID:
        """The plugin device's id; only for ``kind == "plugin"``."""
        return uuid.UUID(self.subject)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        tid = claims.get("tid")
        scopes = scopes_of(claims)
        return cls(
            subject=str(claims["sub"]),
            tenant_id=uuid.UUID(tid) if tid else None,
            roles=frozenset(claims.get("roles") or ()),
            scopes=scopes,
            token_id=claims.get("jti"),
            kind=kind_of(scopes),
            claims=claims,
        )
