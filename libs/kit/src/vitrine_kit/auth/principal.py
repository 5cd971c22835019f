"""Who is calling: the claims of a verified access token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from vitrine_kit.errors import Forbidden


class NoTenant(Forbidden):
    """The caller is bound to no tenant (a service token) where a tenant is required."""


@dataclass(frozen=True)
class Principal:
    """A verified caller: a user acting for a tenant, a plugin of a tenant, or a service."""

    subject: str
    tenant_id: uuid.UUID | None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    token_id: str | None = None
    kind: str = "user"  # user | plugin | service
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

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        tid = claims.get("tid")
        scope = claims.get("scope", "")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset(scope or ())
        kind = "service" if "service" in scopes else "plugin" if "plugin" in scopes else "user"
        return cls(
            subject=str(claims["sub"]),
            tenant_id=uuid.UUID(tid) if tid else None,
            roles=frozenset(claims.get("roles") or ()),
            scopes=scopes,
            token_id=claims.get("jti"),
            kind=kind,
            claims=claims,
        )
