"""Routing: which upstream serves a public path, under which limits, and the target to ask it for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

from vitrine_kit.breaker import CircuitBreaker
from yarl import URL

from gateway.body import BodyLimits
from gateway.config import Settings
from gateway.request import Request
from gateway.responses import Refusal
from gateway.upstream import Origin


@dataclass(slots=True)
class Route:
    """Where a public path prefix goes and under which limits."""

    upstream: str
    match_prefix: str
    segments: list[str]
    # How many leading segments are the upstream's prefix, cut before forwarding (an override's are longer).
    strip: int
    base_url: str
    # The pool is counted per origin (scheme, host, port), as connections are.
    origin: str
    timeout_s: float
    connect_timeout_s: float
    # Where the upstream's connections go: host, port, TLS, Host header, base path.
    address: Origin
    # The public prefix the gateway cut, for ``X-Forwarded-Prefix``.
    forwarded_prefix: bytes
    body: BodyLimits
    breaker: CircuitBreaker

    def matches(self, path: str) -> bool:
        prefix = self.match_prefix
        return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


class Target:
    """A routed request: its route, its public path as checked, and what to ask the upstream for (a plain
    class: one per request, its ``__init__`` native when compiled)."""

    __slots__ = ("path", "route", "upstream_target")

    def __init__(self, route: Route, path: str, upstream_target: str) -> None:
        self.route = route
        # Decoded and normalised: what the allow-list, the rate-limit rules and the upstream itself see.
        self.path = path
        # The upstream path re-encoded from ``path`` (never cut from the raw one), with the raw query.
        self.upstream_target = upstream_target


# A raw path made only of characters a segment may hold unencoded (RFC 3986 pchar, without "%").
_PLAIN = re.compile(rb"[A-Za-z0-9/\-._~!$&'()*+,;=:@]*")
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_STILL_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
# A "%" not followed by two hex digits: not a URI (RFC 3986 §2.1), whatever a server would make of it.
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# Encoded again when re-encoding a segment: everything but unreserved characters and these, so "/" → %2F.
_SEGMENT_SAFE = "!$&'()*+,;=:@"


def decode_segments(raw_path: bytes, plain: bool) -> list[str]:
    """The path's segments, each percent-decoded once (``plain``: nothing to decode); empty segments
    inside the path are dropped.

    Refused (400): control characters (NUL included), bytes that are not UTF-8, a segment still
    percent-encoded after decoding (double encoding), ``.``/``..`` segments — also when spelt ``%2e`` or
    hidden behind ``%2F``.
    """
    if not raw_path.startswith(b"/"):
        raise Refusal.not_found()
    if plain:
        segments = raw_path.decode("ascii").split("/")[1:]
    else:
        segments = [_decode_segment(seg) for seg in raw_path.split(b"/")[1:]]
    if len(segments) > 1 and "" in segments[:-1]:
        segments = [seg for seg in segments[:-1] if seg] + segments[-1:]
    return segments


def _decode_segment(raw: bytes) -> str:
    if b"%" in raw:
        if _BAD_ESCAPE.search(raw):
            raise Refusal.bad_request("The path holds an invalid percent-encoding.")
        decoded = unquote_to_bytes(raw)
    else:
        decoded = raw
    if _CONTROL.search(decoded):
        raise Refusal.bad_request("The path holds a control character.")
    try:
        segment = decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal.bad_request("The path is not UTF-8.") from None
    if "%" in segment and _STILL_ENCODED.search(segment):
        raise Refusal.bad_request("The path is percent-encoded twice.")
    # A "." or ".." would let "/public/../private" pass the allow-list as one path and reach another.
    if segment in (".", "..") or ("/" in segment and any(p in (".", "..") for p in segment.split("/"))):
        raise Refusal.bad_request("The path holds a '.' or '..' segment.")
    return segment


class Router:
    """Longest-prefix routing over the upstream table and its per-path overrides."""

    def __init__(self, settings: Settings, breakers: dict[str, CircuitBreaker]) -> None:
        self.blocked = frozenset(p.rstrip("/") for p in settings.blocked_upstream_paths)
        self.blocked_prefixes = tuple(p.rstrip("/") + "/" for p in settings.blocked_upstream_prefixes)
        self.routes = _build_routes(settings, breakers)

    def route_for(self, segments: list[str]) -> Route | None:
        """The route with the longest prefix matching the path's ``segments``."""
        for route in self.routes:
            n = len(route.segments)
            if segments[:n] == route.segments:
                return route
        return None

    def resolve(self, request: Request) -> Target:
        """The route and upstream target of ``request``; refuses paths no service may be asked for.

        Every decision is taken on the decoded path, the one the upstream will see; the target is that path
        re-encoded, so no spelling of a path can reach what its decoded form may not.
        """
        raw_path = request.raw_path
        # Most paths hold nothing to decode nor re-encode.
        plain = _PLAIN.fullmatch(raw_path) is not None and b"/." not in raw_path
        segments = decode_segments(raw_path, plain)
        path = "/" + "/".join(segments)
        route = self.route_for(segments)
        if route is None:
            if any(r.matches(path) for r in self.routes):
                raise Refusal.bad_request("An encoded '/' (%2F) is not allowed in the service prefix.")
            raise Refusal.not_found()
        rest = segments[route.strip :]
        upstream_path = "/" + "/".join(rest)
        # As the upstream reads it, an encoded slash included: "/internal%2Fx" is "/internal/x" there.
        seen = "/" + "/".join(p for p in upstream_path.split("/") if p)
        if seen in self.blocked or (seen + "/").startswith(self.blocked_prefixes):
            raise Refusal.not_found()
        if not plain:
            upstream_path = "/" + "/".join(quote(seg, safe=_SEGMENT_SAFE) for seg in rest)
        query = request.query
        if query:
            upstream_path += "?" + query.decode("latin-1")
        return Target(route, path, upstream_path)


def _build_routes(settings: Settings, breakers: dict[str, CircuitBreaker]) -> list[Route]:
    routes: list[Route] = []
    for name, up in settings.upstreams.items():
        prefix = up.prefix.rstrip("/")
        base = up.url.rstrip("/")
        origin = str(URL(base).origin())

        def make(
            match: str,
            timeout_s: float,
            max_body: int,
            body_timeout_s: float | None,
            *,
            _n: str = name,
            _b: str = base,
            _o: str = origin,
            _c: float = up.connect_timeout_s,
            _strip: int = len(prefix.strip("/").split("/")),
        ) -> Route:
            return Route(
                upstream=_n,
                match_prefix=match,
                segments=match.strip("/").split("/"),
                strip=_strip,
                base_url=_b,
                origin=_o,
                timeout_s=timeout_s,
                connect_timeout_s=_c,
                address=Origin.parse(_b),
                forwarded_prefix=("/" + "/".join(match.strip("/").split("/")[:_strip])).encode(),
                body=BodyLimits(
                    max_bytes=max_body,
                    timeout_s=body_timeout_s or settings.request_body_timeout_s,
                    min_rate=settings.request_body_min_rate,
                    grace_s=settings.request_body_grace_s,
                ),
                breaker=breakers[_n],
            )

        routes.append(make(prefix, up.timeout_s, up.max_body_bytes, up.body_timeout_s))
        for override in settings.route_overrides:
            o_prefix = override.prefix.rstrip("/")
            if o_prefix.startswith(prefix + "/"):
                routes.append(
                    make(
                        o_prefix,
                        override.timeout_s or up.timeout_s,
                        override.max_body_bytes or up.max_body_bytes,
                        override.body_timeout_s or up.body_timeout_s,
                    )
                )
    routes.sort(key=lambda r: len(r.match_prefix), reverse=True)
    return routes
