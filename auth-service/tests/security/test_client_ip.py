from __future__ import annotations

import logging

import pytest
from auth_service.config import Settings
from auth_service.security.client_ip import parse_networks, resolve_client_ip

TRUSTED = parse_networks(["127.0.0.1/32", "10.0.0.0/8"])


class TestClientIp:
    def test_untrusted_peer_is_the_client_whatever_it_claims(self) -> None:
        assert resolve_client_ip("203.0.113.9", "1.2.3.4", TRUSTED) == "203.0.113.9"

    def test_trusted_proxy_chain_is_walked_from_the_right(self) -> None:
        assert resolve_client_ip("127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.2.3", TRUSTED) == "198.51.100.4"

    def test_no_header_and_malformed_header(self) -> None:
        assert resolve_client_ip("127.0.0.1", None, TRUSTED) == "127.0.0.1"
        assert resolve_client_ip("127.0.0.1", "not-an-ip", TRUSTED) == "127.0.0.1"


class TestBehindAProxy:
    async def test_an_untrusted_proxy_is_reported_and_its_clients_share_its_address(
        self, start, caplog: pytest.LogCaptureFixture
    ) -> None:
        # The ASGI peer is 127.0.0.1: trusting only another network makes it an untrusted proxy.
        async with start(trusted_proxies=["10.9.0.0/16"]) as flows:
            body = {"email": flows.email(), "password": "wrong password"}
            # The app's logging setup replaced the root handlers: listen on the logger itself.
            logger = logging.getLogger("auth_service.security.client_ip")
            logger.addHandler(caplog.handler)
            try:
                await flows.client.post("/login", json=body, headers={"X-Forwarded-For": "192.0.2.1"})
            finally:
                logger.removeHandler(caplog.handler)
            assert any("AUTH_TRUSTED_PROXIES" in r.getMessage() for r in caplog.records)

    def test_the_setting_reads_a_json_list_like_the_gateways(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AUTH_TRUSTED_PROXIES", '["10.0.0.0/8", "fd00::/8"]')
        assert Settings().trusted_proxies == ["10.0.0.0/8", "fd00::/8"]
