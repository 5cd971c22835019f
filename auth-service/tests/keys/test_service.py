from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
import sqlalchemy as sa
from auth_service.keys.service import KeyStore, rotate_keys
from auth_service.models import SigningKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from vitrine_kit.auth.jwt import InvalidToken


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)])


class TestJwks:
    async def test_jwks_serves_the_active_key_with_cache_headers(self, flows) -> None:
        _, tokens = await flows.new_user()
        response = await flows.client.get("/.well-known/jwks.json")
        assert response.status_code == 200
        assert "max-age=300" in response.headers["cache-control"]
        kids = [k["kid"] for k in response.json()["keys"]]
        assert jwt.get_unverified_header(tokens["access_token"])["kid"] in kids
        assert all("d" not in k for k in response.json()["keys"])  # never the private part

    async def test_private_keys_are_encrypted_at_rest(self, flows) -> None:
        async with flows.runtime.db.session() as session:
            blobs = (await session.execute(sa.select(SigningKey.private_key_encrypted))).scalars().all()
        assert blobs
        assert all(b"PRIVATE KEY" not in blob for blob in blobs)


class TestRotation:
    async def test_old_tokens_still_verify_and_new_tokens_use_the_new_key(self, flows) -> None:
        registered, before = await flows.new_user()
        old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
        async with flows.runtime.db.session() as session, session.begin():
            new_kid = await rotate_keys(session, flows.runtime.context.settings)
        flows.runtime.context.keys.forget()
        assert new_kid != old_kid
        # The old token is still accepted (by this app and by a fresh verifier reading the JWKS).
        assert (await flows.client.get("/me", headers=flows.bearer(before))).status_code == 200
        fresh = KeyStore(flows.runtime.context.settings)
        fresh.attach(flows.runtime.db)
        assert (await fresh.verifier().verify(before["access_token"])).subject == registered["user_id"]
        after = await flows.login(registered["email"])
        assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid
        kids = {k["kid"] for k in (await flows.client.get("/.well-known/jwks.json")).json()["keys"]}
        assert {old_kid, new_kid} <= kids
        async with flows.runtime.db.session() as session:
            old = await session.get(SigningKey, old_kid)
        assert old is not None
        assert old.status == "retiring"
        assert old.retire_after is not None

    async def test_keys_past_their_tokens_lifetime_leave_the_jwks(self, flows) -> None:
        settings = flows.runtime.context.settings
        async with flows.runtime.db.session() as session, session.begin():
            first = await rotate_keys(session, settings)
            await rotate_keys(session, settings)  # ``first`` is now retiring
            await session.execute(
                sa.update(SigningKey).where(SigningKey.kid == first).values(retire_after=sa.func.now())
            )
            await rotate_keys(session, settings)
        flows.runtime.context.keys.forget()
        async with flows.runtime.db.session() as session:
            assert (await session.get(SigningKey, first)).status == "retired"
        kids = {k["kid"] for k in (await flows.client.get("/.well-known/jwks.json")).json()["keys"]}
        assert first not in kids


class TestVerifierRejects:
    """The service's own verifier (DB-backed keys) refuses every malformed or forged token."""

    @pytest.fixture
    async def material(self, flows):
        _registered, tokens = await flows.new_user()
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        header = jwt.get_unverified_header(tokens["access_token"])
        _kid, private = await flows.runtime.context.keys.signing_key()
        return flows.runtime.verifier, tokens["access_token"], claims, header, private

    async def reject(self, verifier, token: str, reason: str) -> None:
        with pytest.raises(InvalidToken, match=reason):
            await verifier.verify(token)

    async def test_a_good_token_passes(self, material) -> None:
        verifier, token, claims, _, _ = material
        assert (await verifier.verify(token)).subject == claims["sub"]

    async def test_alg_none(self, material) -> None:
        verifier, _, claims, header, _ = material
        await self.reject(
            verifier, forge({"alg": "none", "kid": header["kid"]}, claims), "unsupported algorithm"
        )

    async def test_hs256_signed_with_the_public_key(self, material) -> None:
        verifier, _, claims, header, private = material
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        import hashlib
        import hmac

        signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': header['kid'], 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        await self.reject(verifier, f"{signing_input}.{b64(signature)}", "unsupported algorithm")

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"iss": "https://evil.example"}, "wrong issuer"),
            ({"aud": "someone-else"}, "wrong audience"),
            ({"exp": int(time.time()) - 60}, "expired"),
            ({"nbf": int(time.time()) + 600}, "not yet valid"),
        ],
    )
    async def test_wrong_claims(self, material, change, reason) -> None:
        verifier, _, claims, header, private = material
        token = jwt.encode(claims | change, private, algorithm="RS256", headers={"kid": header["kid"]})
        await self.reject(verifier, token, reason)

    async def test_unknown_kid(self, material) -> None:
        verifier, _, claims, _, _ = material
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, other, algorithm="RS256", headers={"kid": uuid.uuid4().hex})
        await self.reject(verifier, token, "unknown signing key")

    async def test_known_kid_but_another_key(self, material) -> None:
        verifier, _, claims, header, _ = material
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, other, algorithm="RS256", headers={"kid": header["kid"]})
        await self.reject(verifier, token, "invalid token")

    async def test_tampered_signature_and_payload(self, material) -> None:
        verifier, token, claims, _, _ = material
        head, payload, signature = token.split(".")
        flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
        await self.reject(verifier, f"{head}.{payload}.{flipped}", "invalid token")
        escalated = b64(json.dumps(claims | {"roles": ["owner", "admin"], "tid": str(uuid.uuid4())}).encode())
        await self.reject(verifier, f"{head}.{escalated}.{signature}", "invalid token")

    async def test_oversized_token(self, material) -> None:
        verifier, _, claims, header, private = material
        token = jwt.encode(
            claims | {"pad": "x" * 10_000}, private, algorithm="RS256", headers={"kid": header["kid"]}
        )
        await self.reject(verifier, token, "too large")

    async def test_rejected_over_http_too(self, flows, material) -> None:
        _, _, claims, header, _ = material
        response = await flows.client.get(
            "/me", headers=flows.bearer(forge({"alg": "none", "kid": header["kid"]}, claims))
        )
        assert response.status_code == 401
