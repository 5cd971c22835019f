"""The verifier's cache of verified tokens: a hit skips the RSA check, never outlives ``exp`` nor 30 s, and the
kind and revocation are checked on every request."""

from __future__ import annotations

import time
import uuid

import pytest
from vitrine_kit.auth.cache import TokenCache
from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier
from vitrine_kit.auth.principal import TokenKind
from vitrine_kit.auth.revocation import Revocation, RevocationList, RevocationPage, revocation_key
from vitrine_kit.testing.tokens import AUDIENCE, ISSUER, TestKeys


async def _none(since: float) -> RevocationPage:
    return RevocationPage([], time.time())


def cached_verifier(
    keys: TestKeys, cache: TokenCache, revocations: RevocationList | None = None
) -> TokenVerifier:
    plain = keys.verifier(revocations=revocations)
    return TokenVerifier(plain.keys, issuer=ISSUER, audience=AUDIENCE, revocations=revocations, cache=cache)


class TestTokenCache:
    async def test_a_second_request_with_the_same_token_skips_the_signature_check(self) -> None:
        keys, cache = TestKeys(), TokenCache()
        verifier = cached_verifier(keys, cache)
        token = keys.issue(tenant_id=uuid.uuid4())
        first = await verifier.verify(token)
        second = await verifier.verify(token)
        assert first.tenant_id == second.tenant_id
        assert cache.hits == 1

    async def test_an_entry_never_outlives_the_token_s_exp(self) -> None:
        keys, cache = TestKeys(), TokenCache(ttl_s=30)
        verifier = cached_verifier(keys, cache)
        token = keys.issue(tenant_id=uuid.uuid4(), ttl_s=1)
        await verifier.verify(token)
        assert cache.get(token) is not None
        time.sleep(1.05)
        assert cache.get(token) is None

    async def test_an_entry_lives_at_most_its_ttl_and_never_more_than_30_s(self) -> None:
        assert TokenCache(ttl_s=3600).ttl_s == 30
        keys, cache = TestKeys(), TokenCache(ttl_s=0.2)
        token = keys.issue(tenant_id=uuid.uuid4())
        await cached_verifier(keys, cache).verify(token)
        time.sleep(0.25)
        assert cache.get(token) is None

    async def test_a_token_revoked_after_it_was_cached_is_refused_at_once(self) -> None:
        keys, cache = TestKeys(), TokenCache()
        revocations = RevocationList(_none, refresh_s=3600)
        verifier = cached_verifier(keys, cache, revocations)
        user, tenant = uuid.uuid4(), uuid.uuid4()
        token = keys.issue(sub=str(user), tenant_id=tenant)
        await verifier.verify(token)
        revocations.add(Revocation(revocation_key(TokenKind.USER, user, tenant), time.time() + 5, 2e9))
        with pytest.raises(InvalidToken, match="revoked"):
            await verifier.verify(token)

    async def test_the_kind_is_checked_on_a_cached_token(self) -> None:
        keys, cache = TestKeys(), TokenCache()
        verifier = cached_verifier(keys, cache)
        plugin = keys.issue(tenant_id=uuid.uuid4(), scope="plugin")
        await verifier.verify(plugin)
        with pytest.raises(InvalidToken, match="plugin tokens are not accepted"):
            await verifier.verify(plugin, kinds={TokenKind.USER})

    async def test_a_refused_token_is_not_kept(self) -> None:
        keys, cache = TestKeys(), TokenCache()
        verifier = cached_verifier(keys, cache)
        forged = TestKeys(kid=keys.kid).issue(tenant_id=uuid.uuid4())  # same kid, another private key
        for _ in range(2):
            with pytest.raises(InvalidToken):
                await verifier.verify(forged)
        assert cache.get(forged) is None

    async def test_the_oldest_entry_goes_first_when_full(self) -> None:
        keys, cache = TestKeys(), TokenCache(size=2)
        verifier = cached_verifier(keys, cache)
        tokens = [keys.issue(tenant_id=uuid.uuid4()) for _ in range(3)]
        for token in tokens:
            await verifier.verify(token)
        assert [cache.get(t) is not None for t in tokens] == [False, True, True]


class TestFromSettings:
    def test_a_service_s_verifier_has_the_cache_its_settings_describe(self) -> None:
        from vitrine_kit.auth.jwt import verifier_from_settings
        from vitrine_kit.settings import BaseServiceSettings

        verifier = verifier_from_settings(BaseServiceSettings(token_cache_ttl_s=10, token_cache_size=5))
        assert verifier.cache is not None
        assert (verifier.cache.ttl_s, verifier.cache.size) == (10, 5)
