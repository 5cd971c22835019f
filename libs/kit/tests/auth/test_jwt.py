from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from vitrine_kit.auth.jwt import InvalidToken, JWKSCache, TokenVerifier
from vitrine_kit.testing.tokens import AUDIENCE, ISSUER, TestKeys


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def keys() -> TestKeys:
    return TestKeys()


class TestVerify:
    async def test_a_good_token_gives_its_principal(self, keys: TestKeys) -> None:
        tenant = uuid.uuid4()
        principal = await keys.verifier().verify(
            keys.issue(tenant_id=tenant, roles=["admin"], scope="plugin")
        )
        assert principal.tenant_id == tenant
        assert principal.has_role("admin")
        assert principal.kind == "plugin"

    @pytest.mark.parametrize(
        ("case", "reason"),
        [
            ("alg_none", "unsupported algorithm"),
            ("hs256_with_public_key", "unsupported algorithm"),
            ("wrong_issuer", "wrong issuer"),
            ("wrong_audience", "wrong audience"),
            ("expired", "token expired"),
            ("nbf_in_future", "token not yet valid"),
            ("unknown_kid", "unknown signing key"),
            ("tampered", "invalid token"),
            ("oversized", "token too large"),
            ("no_exp", "missing claim exp"),
            ("garbage", "malformed token"),
        ],
    )
    async def test_bad_tokens_are_refused(self, keys: TestKeys, case: str, reason: str) -> None:
        now = int(time.time())
        good = keys.issue(tenant_id=uuid.uuid4())
        header, payload, signature = good.split(".")
        claims = jwt.decode(good, options={"verify_signature": False})
        token = {
            "alg_none": lambda: f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': keys.kid})}.{payload}.",
            "hs256_with_public_key": lambda: _hs256(claims, keys),
            "wrong_issuer": lambda: keys.issue(iss="https://evil.example"),
            "wrong_audience": lambda: keys.issue(aud="someone-else"),
            "expired": lambda: keys.issue(exp=now - 60),
            "nbf_in_future": lambda: keys.issue(nbf=now + 600),
            "unknown_kid": lambda: keys.issue(headers={"kid": "not-a-key"}),
            "tampered": lambda: f"{header}.{b64({**claims, 'roles': ['owner', 'admin']})}.{signature}",
            "oversized": lambda: keys.issue(padding="x" * 10_000),
            "no_exp": lambda: jwt.encode(
                {k: v for k, v in claims.items() if k != "exp"},
                keys.private_key,
                algorithm="RS256",
                headers={"kid": keys.kid},
            ),
            "garbage": lambda: "not.a.jwt",
        }[case]()
        with pytest.raises(InvalidToken, match=reason):
            await keys.verifier().verify(token)


def _hs256(claims: dict, keys: TestKeys) -> str:
    # The classic key-confusion attack: an HMAC signed with the RSA public key as the secret.
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': keys.kid})}.{b64(claims)}"
    import hashlib
    import hmac

    mac = hmac.new(keys.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


class TestJwksCache:
    async def test_unknown_kid_refetches_at_most_once_per_interval(self) -> None:
        old, new = TestKeys(), TestKeys()
        published = {"keys": [old.jwk()]}

        async def fetch() -> dict:
            return published

        cache = JWKSCache(fetch, min_refetch_interval_s=60)
        verifier = TokenVerifier(cache, issuer=ISSUER, audience=AUDIENCE)
        await verifier.verify(old.issue())
        assert cache.fetches == 1
        for _ in range(20):
            with pytest.raises(InvalidToken, match="unknown signing key"):
                await verifier.verify(old.issue(headers={"kid": uuid.uuid4().hex}))
        assert cache.fetches == 2  # one refetch for the whole flood
        published = {"keys": [old.jwk(), new.jwk()]}
        cache._attempted_at -= 61
        await verifier.verify(new.issue())  # rotated key: found on the next allowed refetch
        await verifier.verify(old.issue())  # the old key still verifies
        assert cache.fetches == 3

    async def test_a_fetch_failure_keeps_the_known_keys(self) -> None:
        keys = TestKeys()
        calls = {"n": 0}

        async def flaky() -> dict:
            calls["n"] += 1
            if calls["n"] > 1:
                raise ConnectionError("auth-service down")
            return keys.jwks()

        verifier = TokenVerifier(
            JWKSCache(flaky, min_refetch_interval_s=0, ttl_s=0), issuer=ISSUER, audience=AUDIENCE
        )
        await verifier.verify(keys.issue())
        await verifier.verify(keys.issue())
