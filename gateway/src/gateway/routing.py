"""Routing: which upstream serves a public path, under which limits, and the target to ask it for."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from vitrine_kit.breaker import CircuitBreaker

from gateway.config import Settings
from gateway.request import Request
from gateway.responses import Refusal


@dataclass(slots=True)
class Route:
    """Where a public path prefix goes and under which limits."""

    upstream: str
    match_prefix: str
    strip_len: int
    base_url: str
    timeout_s: float
    timeout: aiohttp.ClientTimeout
    max_body_bytes: int
    breaker: CircuitBreaker

    def matches(self, path: str) -> bool:
        prefix = self.match_prefix
        return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


@dataclass(slots=True)
class Target:
    """A routed request: its route and the path and query to ask the upstream for."""

    route: Route
    path: str


def _has_dot_segment(path: str) -> bool:
    # "/public/../private" would pass the allow-list as one path and reach another upstream route.
    return "/." in path and any(seg in (".", "..") for seg in path.split("/"))


class Router:
    """Longest-prefix routing over the upstream table and its per-path overrides."""

    def __init__(self, settings: Settings, breakers: dict[str, CircuitBreaker]) -> None:
        self.blocked = frozenset(settings.blocked_upstream_paths)
        self.routes = _build_routes(settings, breakers)

    def route_for(self, path: str) -> Route | None:
        """The route with the longest prefix matching ``path``."""
        for route in self.routes:
            if route.matches(path):
                return route
        return None

    def resolve(self, request: Request) -> Target:
        """The route and upstream target of ``request``; refuses paths no service may be asked for."""
        path = request.path
        route = self.route_for(path)
        if route is None:
            raise Refusal.not_found()
        upstream_path = path[route.strip_len :] or "/"
        if _has_dot_segment(path) or upstream_path in self.blocked:
            raise Refusal.not_found()
        scope = request.scope
        raw_path: bytes = scope.get("raw_path") or path.encode()
        target = raw_path[route.strip_len :].decode("latin-1") or "/"
        query: bytes = scope.get("query_string", b"")
        if query:
            target += "?" + query.decode("latin-1")
        return Target(route, target)


def _build_routes(settings: Settings, breakers: dict[str, CircuitBreaker]) -> list[Route]:
    routes: list[Route] = []
    for name, up in settings.upstreams.items():
        prefix = up.prefix.rstrip("/")
        base = up.url.rstrip("/")

        def make(
            match: str,
            timeout_s: float,
            max_body: int,
            *,
            _n: str = name,
            _p: str = prefix,
            _b: str = base,
            _c: float = up.connect_timeout_s,
        ) -> Route:
            return Route(
                upstream=_n,
                match_prefix=match,
                strip_len=len(_p),
                base_url=_b,
                timeout_s=timeout_s,
                timeout=aiohttp.ClientTimeout(total=None, connect=_c, sock_read=timeout_s),
                max_body_bytes=max_body,
                breaker=breakers[_n],
            )

        routes.append(make(prefix, up.timeout_s, up.max_body_bytes))
        for override in settings.route_overrides:
            o_prefix = override.prefix.rstrip("/")
            if o_prefix.startswith(prefix + "/"):
                routes.append(
                    make(
                        o_prefix,
                        override.timeout_s or up.timeout_s,
                        override.max_body_bytes or up.max_body_bytes,
                    )
                )
    routes.sort(key=lambda r: len(r.match_prefix), reverse=True)
    return routes
