from __future__ import annotations

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
