"""The client's address: ``X-Forwarded-For`` is believed only when the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
logger = logging.getLogger(__name__)
# Peers already warned about (bounded): an untrusted proxy is reported once, not per request.
_warned: set[str] = set()


def parse_networks(cidrs: Sequence[str]) -> list[Network]:
    """CIDR strings to networks."""
    return [ipaddress.ip_network(c, strict=False) for c in cidrs]


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def resolve_client_ip(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """Walk ``X-Forwarded-For`` from the right, skipping trusted proxies; the first other hop is the client."""
    peer = peer or "unknown"
    if not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain is not believed
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _warn_untrusted_proxy(peer: str | None) -> None:
    if peer is None or peer in _warned or len(_warned) >= 64:
        return
    _warned.add(peer)
    # Every client then shares the proxy's address: per-IP throttles become one bucket for everyone.
    logger.warning(
        "X-Forwarded-For from a peer not in AUTH_TRUSTED_PROXIES: clients are throttled as that peer",
        extra={"peer": peer},
    )


def _client_ip(request: Request) -> str:
    trusted: list[Network] = request.app.state.context.trusted_proxies
    peer = request.client.host if request.client else None
    forwarded_for = request.headers.get("x-forwarded-for")
    if forwarded_for and peer and not _trusted(peer, trusted):
        _warn_untrusted_proxy(peer)
    return resolve_client_ip(peer, forwarded_for, trusted)


ClientIP = Annotated[str, Depends(_client_ip)]
