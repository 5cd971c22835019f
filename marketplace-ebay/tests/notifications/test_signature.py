"""A notification's key id goes into an eBay API path: only an id's characters are accepted."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from marketplace_ebay.notifications.service import BadSignature, notification_service


def header(kid: str) -> str:
    return base64.b64encode(json.dumps({"kid": kid, "signature": "AAAA"}).encode()).decode()


class NeverCalled:
    """A context whose key fetch must not be reached."""

    @property
    def public_keys(self) -> Any:
        raise AssertionError("the key was looked up for a malformed kid")


@pytest.mark.unit
class TestKeyId:
    @pytest.mark.parametrize("kid", ["../../identity/v1/oauth2/token", "a/b", "a%2Fb", "a?x=1", "k id", ""])
    async def test_a_malformed_kid_is_refused_before_any_call(self, kid: str) -> None:
        with pytest.raises(BadSignature):
            await notification_service.verify(NeverCalled(), b"{}", header(kid))  # type: ignore[arg-type]
