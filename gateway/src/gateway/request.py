"""One incoming request as the stages see it: its headers read once, its client, and its answer headers."""

from __future__ import annotations

import re
import time
from random import getrandbits
from urllib.parse import quote

from starlette.types import Scope

from gateway.client import ClientAddresses, client_key
from gateway.downstream import Headers

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{8,128}$")


class Request:
    """What the stages read of a request, and what they add to its answer (``response_headers``).

    A plain class, not a dataclass: one is made per request, and compiled (gateway/compile.py) its
    ``__init__`` is native code, where a dataclass's generated one would stay Python."""

    __slots__ = (
        "authorization",
        "chunked",
        "client_ip",
        "client_key",
        "content_length",
        "cookie",
        "forwarded_for",
        "headers",
        "id",
        "method",
        "origin",
        "path",
        "peer",
        "query",
        "raw_path",
        "responded",
        "response_headers",
        "scheme",
        "session_token",
        "started",
        "upstream",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        raw_path: bytes,
        query: bytes,
        scheme: str,
        headers: list[tuple[bytes, bytes]],
        id: str,
        peer: str,
        client_ip: str,
        client_key: str,
        origin: bytes | None = None,
        authorization: bytes | None = None,
        cookie: bytes | None = None,
        content_length: bytes | None = None,
        chunked: bool = False,
        forwarded_for: bytes | None = None,
        response_headers: Headers | None = None,
    ) -> None:
        self.method = method
        # Percent-decoded (for the gateway's own paths and the log); routing decides on ``raw_path``.
        self.path = path
        self.raw_path = raw_path
        self.query = query
        self.scheme = scheme
        self.headers = headers
        self.id = id
        self.peer = peer
        self.client_ip = client_ip
        # Per-client limits count under this: the IPv4 address, or the IPv6 /64.
        self.client_key = client_key
        self.origin = origin
        self.authorization = authorization
        self.cookie = cookie
        # The access token of the session cookie, when it authenticated the request (sent upstream as a bearer).
        self.session_token: str | None = None
        self.content_length = content_length
        self.chunked = chunked
        self.forwarded_for = forwarded_for
        # Sent with every answer, the gateway's own and the upstream's: request id, CORS, RateLimit-*.
        self.response_headers: Headers = [] if response_headers is None else response_headers
        self.upstream = "gateway"
        self.started = time.perf_counter()
        # Set once the status line went out: after that a failure can only cut the connection.
        self.responded = False


def read_request(scope: Scope, clients: ClientAddresses) -> Request:
    """The request of an ASGI ``scope``."""
    client = scope.get("client")
    return new_request(
        scope["method"],
        scope["path"],
        scope.get("raw_path") or quote(scope["path"]).encode(),
        scope.get("query_string", b""),
        scope["headers"],
        client[0] if client else "unknown",
        clients,
        scope.get("scheme", "http"),
    )


def new_request(
    method: str,
    path: str,
    raw_path: bytes,
    query: bytes,
    headers: list[tuple[bytes, bytes]],
    peer: str,
    clients: ClientAddresses,
    scheme: str = "http",
) -> Request:
    """Read the headers the stages need in one pass, and settle the request id and client address;
    header names are lower case. A request id is 128 random bits from ``random`` (reseeded in every forked
    worker): unique, with no system call per request; it need not be unguessable (it is sent back)."""
    rid_in = origin = authorization = content_length = forwarded_for = cookie = None
    chunked = False
    for name, value in headers:
        if name == b"x-request-id":
            rid_in = value
        elif name == b"origin":
            origin = value
        elif name == b"authorization":
            authorization = value
        elif name == b"cookie":
            # Several Cookie lines (HTTP/2) are one list.
            cookie = value if cookie is None else cookie + b"; " + value
        elif name == b"content-length":
            content_length = value
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"x-forwarded-for":
            # Several X-Forwarded-For lines are one list (RFC 9110 §5.3), in order.
            forwarded_for = value if forwarded_for is None else forwarded_for + b", " + value
    rid = rid_in.decode() if rid_in is not None and _REQUEST_ID.match(rid_in) else f"{getrandbits(128):032x}"
    client_ip = clients.client_ip(peer, forwarded_for)
    return Request(
        method=method,
        path=path,
        raw_path=raw_path,
        query=query,
        scheme=scheme,
        headers=headers,
        id=rid,
        peer=peer,
        client_ip=client_ip,
        client_key=client_key(client_ip),
        origin=origin,
        authorization=authorization,
        cookie=cookie,
        content_length=content_length,
        chunked=chunked,
        forwarded_for=forwarded_for,
        response_headers=[(b"x-request-id", rid.encode())],
    )
