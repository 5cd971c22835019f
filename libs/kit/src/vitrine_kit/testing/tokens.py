"""Signing test tokens with a throw-away RSA key, and a verifier that trusts it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from vitrine_kit.auth.jwt import JWKSCache, TokenVerifier, plugin_audience_for
from vitrine_kit.auth.revocation import RevocationList

ISSUER = "https://auth.vitrine.local"
AUDIENCE = "vitrine"


@dataclass
class TestKeys:
    """An RSA signing key with its ``kid``; issues tokens shaped like auth-service's."""

    __test__ = False  # not a test class, despite its name

    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue(
        self,
        *,
        sub: str | None = None,
        tenant_id: uuid.UUID | None = None,
        roles: Sequence[str] = ("owner",),
        scope: str = "",
        ttl_s: int = 900,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "sub": sub or str(uuid.uuid4()),
            "roles": list(roles),
            "scope": scope,
            "iss": ISSUER,
            # Like auth-service: plugin tokens carry their own audience.
            "aud": plugin_audience_for(AUDIENCE) if "plugin" in scope.split() else AUDIENCE,
            "iat": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        if tenant_id is not None:
            payload["tid"] = str(tenant_id)
        payload.update(claims)
        return jwt.encode(
            payload, self.private_key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )

    def verifier(self, *, revocations: RevocationList | None = None) -> TokenVerifier:
        async def fetch() -> dict[str, Any]:
            return self.jwks()

        return TokenVerifier(
            JWKSCache(fetch, min_refetch_interval_s=0.0),
            issuer=ISSUER,
            audience=AUDIENCE,
            revocations=revocations,
        )
