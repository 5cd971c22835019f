"""Who the client is: the TCP peer, or the address a trusted proxy in front of the gateway saw."""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddresses:
    """Reads ``X-Forwarded-For`` only from peers in ``trusted_proxies`` (CIDRs); anyone else could forge it."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.trusted: list[Network] = [ipaddress.ip_network(n, strict=False) for n in trusted_proxies]

    def is_trusted(self, address: str) -> bool:
        if not self.trusted:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def client_ip(self, peer: str, forwarded_for: bytes | None) -> str:
        """The peer, or behind a trusted proxy the right-most ``X-Forwarded-For`` address it did not add."""
        if forwarded_for is None or not self.is_trusted(peer):
            return peer
        # Proxies append what they saw: the right-most address that is not one of ours is the one nobody forged.
        for candidate in reversed(forwarded_for.decode("latin-1").split(",")):
            candidate = candidate.strip()
            if candidate and not self.is_trusted(candidate):
                return candidate
        return peer

    def forwarded_for(self, peer: str, forwarded_for: bytes | None) -> str:
        """The ``X-Forwarded-For`` sent upstream: a trusted proxy's list with the peer appended, else the peer."""
        if forwarded_for is not None and self.is_trusted(peer):
            return f"{forwarded_for.decode('latin-1')}, {peer}"
        return peer
