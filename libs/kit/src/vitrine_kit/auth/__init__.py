"""Auth: RS256 token verification with a cached JWKS, the principal, and FastAPI dependencies."""

from vitrine_kit.auth.jwt import JWKSCache, TokenVerifier
from vitrine_kit.auth.principal import Principal

__all__ = ["JWKSCache", "Principal", "TokenVerifier"]
