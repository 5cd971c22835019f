"""The JWKS document (RFC 7517) that verifiers of Vitrine's tokens fetch."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PublicJwk(BaseModel):
    """One RSA public key; members beyond these (``key_ops``) are served as stored."""

    model_config = ConfigDict(extra="allow")

    kty: str = Field(description="Key type: RSA")
    kid: str = Field(description="The key id a token's header names")
    use: str = Field(description="sig: verifies signatures")
    alg: str = Field(description="RS256")
    n: str = Field(description="The modulus, base64url")
    e: str = Field(description="The public exponent, base64url")


class Jwks(BaseModel):
    """The public keys that may have valid tokens out: the active one and those still retiring."""

    keys: list[PublicJwk]
