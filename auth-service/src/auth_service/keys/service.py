"""Signing keys in the database: generation, encryption at rest, JWKS, rotation, and token signing."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.auth.jwt import JWKSCache, TokenVerifier
from vitrine_kit.auth.revocation import RevocationList, RevocationPage
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.engine import Database

from auth_service.config import DEFAULT_KEY_ENCRYPTION_KEY, Settings
from auth_service.keys.schemas import Jwks, PublicJwk
from auth_service.models import KeyStatus, SigningKey
from auth_service.revocations.service import revocation_service

logger = logging.getLogger(__name__)
# pg_advisory_xact_lock key: key generation and rotation never run twice at once across replicas.
KEYS_LOCK = 0x5649_5452_4B45_5953 & 0x7FFF_FFFF_FFFF_FFFF


def fernet_for(secret: str) -> Fernet:
    """A Fernet cipher from any secret string (the key is its SHA-256)."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def _new_key_row(fernet: Fernet) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kid = uuid.uuid4().hex
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk |= {"kid": kid, "use": "sig", "alg": "RS256"}
    return SigningKey(
        kid=kid, status=KeyStatus.ACTIVE, private_key_encrypted=fernet.encrypt(pem), public_jwk=jwk
    )


def longest_token_lifetime(settings: Settings) -> timedelta:
    """Until when a key may still have valid tokens out after it stopped signing."""
    longest = max(settings.access_token_ttl_s, settings.plugin_token_ttl_s, settings.service_token_ttl_s)
    # Replicas may keep signing with a cached key for signing_key_cache_s after a rotation.
    return timedelta(seconds=longest + settings.signing_key_cache_s + 60)


async def _lock(session: AsyncSession) -> None:
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(KEYS_LOCK)))


async def ensure_signing_key(session: AsyncSession, fernet: Fernet) -> str:
    """Create the first key when there is none; returns the active ``kid``."""
    await _lock(session)
    active = (
        await session.execute(sa.select(SigningKey.kid).where(SigningKey.status == KeyStatus.ACTIVE))
    ).scalar_one_or_none()
    if active is not None:
        return active
    row = _new_key_row(fernet)
    session.add(row)
    await session.flush()
    logger.info("signing key created", extra={"kid": row.kid})
    return row.kid


async def rotate_keys(session: AsyncSession, settings: Settings, *, now: datetime | None = None) -> str:
    """Make a new active key; the previous one turns ``retiring`` and stays in the JWKS until every token
    it signed has expired; keys past that point become ``retired``. Returns the new ``kid``."""
    now = now or utcnow()
    await _lock(session)
    await session.execute(
        sa.update(SigningKey)
        .where(SigningKey.status == KeyStatus.RETIRING, SigningKey.retire_after <= now)
        .values(status=KeyStatus.RETIRED)
    )
    await session.execute(
        sa.update(SigningKey)
        .where(SigningKey.status == KeyStatus.ACTIVE)
        .values(
            status=KeyStatus.RETIRING, retiring_since=now, retire_after=now + longest_token_lifetime(settings)
        )
    )
    await session.flush()
    row = _new_key_row(fernet_for(settings.key_encryption_key.get_secret_value()))
    session.add(row)
    await session.flush()
    logger.info("signing key rotated", extra={"kid": row.kid})
    return row.kid


class KeyStore:
    """Reads keys from ``shared.signing_keys``: the active one for signing (cached briefly), the published
    ones for the JWKS and for this service's own token verifier."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        secret = settings.key_encryption_key.get_secret_value()
        if secret == DEFAULT_KEY_ENCRYPTION_KEY and settings.environment != "local":
            logger.warning("AUTH_KEY_ENCRYPTION_KEY is the built-in default outside a local environment")
        self.fernet = fernet_for(secret)
        self._db: Database | None = None
        self._active: tuple[str, rsa.RSAPrivateKey] | None = None
        self._active_until = 0.0

    def attach(self, db: Database) -> None:
        """Bind to the service's database (at start-up)."""
        self._db = db

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("KeyStore used before start-up")
        return self._db

    async def ensure(self) -> str:
        """Make sure an active key exists (first start)."""
        async with self.db.session() as session, session.begin():
            return await ensure_signing_key(session, self.fernet)

    def forget(self) -> None:
        """Drop the cached signing key (after a rotation in this process)."""
        self._active = None
        self._active_until = 0.0

    async def signing_key(self) -> tuple[str, rsa.RSAPrivateKey]:
        """The active ``kid`` and private key."""
        if self._active is not None and time.monotonic() < self._active_until:
            return self._active
        async with self.db.session() as session:
            row = (
                await session.execute(sa.select(SigningKey).where(SigningKey.status == KeyStatus.ACTIVE))
            ).scalar_one_or_none()
        if row is None:
            await self.ensure()
            return await self.signing_key()
        private = serialization.load_pem_private_key(self.fernet.decrypt(row.private_key_encrypted), None)
        assert isinstance(private, rsa.RSAPrivateKey)
        self._active = (row.kid, private)
        self._active_until = time.monotonic() + self.settings.signing_key_cache_s
        return self._active

    async def jwks(self) -> Jwks:
        """The public keys that may have valid tokens out: the active one and those still retiring."""
        now = utcnow()
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    sa.select(SigningKey.public_jwk)
                    .where(
                        SigningKey.status.in_((KeyStatus.ACTIVE, KeyStatus.RETIRING)),
                        sa.or_(SigningKey.retire_after.is_(None), SigningKey.retire_after > now),
                    )
                    .order_by(SigningKey.created_at.desc())
                )
            ).scalars()
            return Jwks(keys=[PublicJwk.model_validate(jwk) for jwk in rows])

    async def _jwks_document(self) -> dict[str, Any]:
        # The kit's verifier reads the JWKS as it would arrive over HTTP.
        return (await self.jwks()).model_dump(mode="json")

    async def revocations(self, since: float) -> RevocationPage:
        """The revocation list, read from the database."""
        async with self.db.session() as session:
            return await revocation_service.page(session, since)

    def verifier(self) -> TokenVerifier:
        """This service's verifier: the kit's, fed from the database instead of over HTTP."""
        return TokenVerifier(
            JWKSCache(self._jwks_document, min_refetch_interval_s=1.0, ttl_s=30.0),
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            # Its own writes: one second is enough for a team change to bite on the next request.
            revocations=RevocationList(self.revocations, refresh_s=1.0),
        )

    async def sign(self, claims: dict[str, Any], ttl_s: int) -> tuple[str, dict[str, Any]]:
        """Sign ``claims`` plus the standard ones (iss, aud, iat, nbf, exp, jti); returns token and claims."""
        kid, private = await self.signing_key()
        issued = round(time.time(), 3)
        now = int(issued)
        full = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            # To the millisecond (a NumericDate may have a fraction): a revocation refuses exactly the tokens
            # issued before it, and one issued the same second after it (a refresh into a new role) is good.
            "iat": issued,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(full, private, algorithm="RS256", headers={"kid": kid}), full
