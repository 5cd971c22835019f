from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from vitrine_marketplace.crypto import TokenCipher, TokenDecryptError
from vitrine_marketplace.oauth import new_state, pkce_pair, state_digest


class TestTokenCipher:
    def test_round_trip_and_ciphertext_hides_the_token(self) -> None:
        cipher = TokenCipher(["a local secret"])
        sealed = cipher.encrypt("v^1.1#i^1#secret-token")
        assert "secret-token" not in sealed
        assert cipher.decrypt(sealed) == "v^1.1#i^1#secret-token"

    def test_a_key_that_is_gone_cannot_read(self) -> None:
        sealed = TokenCipher([Fernet.generate_key().decode()]).encrypt("token")
        with pytest.raises(TokenDecryptError):
            TokenCipher([Fernet.generate_key().decode()]).decrypt(sealed)

    def test_several_keys(self) -> None:
        k1, k2 = "first secret", "second secret"
        before = TokenCipher([k1]).encrypt("token")
        both = TokenCipher([k2, k1])
        assert both.decrypt(before) == "token"
        assert not both.is_current(before)
        after = both.rotate(before)
        assert both.is_current(after)
        assert TokenCipher([k2]).decrypt(after) == "token"

    def test_tampered_ciphertext_is_refused(self) -> None:
        cipher = TokenCipher(["k"])
        sealed = cipher.encrypt("token")
        with pytest.raises(TokenDecryptError):
            cipher.decrypt(sealed[:-4] + "AAAA")


class TestOAuthHelpers:
    def test_states_are_unique_and_stored_hashed(self) -> None:
        a, b = new_state(), new_state()
        assert a != b
        assert len(a) >= 40
        assert state_digest(a) != a
        assert len(state_digest(a)) == 64

    def test_pkce_pair(self) -> None:
        verifier, challenge = pkce_pair()
        assert 43 <= len(verifier) <= 128
        assert "=" not in challenge
