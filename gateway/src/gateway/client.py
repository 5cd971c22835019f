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


def client_key(ip: str) -> str:
    """What a client's limits are counted under: its IPv4 address, or the /64 of its IPv6 one.

    A /64 is one subscriber's network, in which a host may take any of 2^64 addresses: counted per
    address, one machine could have as many buckets as it likes.
    """
    if ":" not in ip:
        return ip
    try:
        address = ipaddress.IPv6Address(ip)
    except ValueError:
        return ip
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
