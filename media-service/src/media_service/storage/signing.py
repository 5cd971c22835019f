"""HMAC-signed URLs for the local backend: ``/files/<key>?expires=<unix time>&sig=<hmac>``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

# Keys are made by media-service; anything else (``..``, absolute paths, odd characters) is refused.
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


def valid_key(key: str) -> bool:
    """Whether ``key`` has the shape media-service gives its objects."""
    return bool(_KEY.match(key)) and ".." not in key


class UrlSigner:
    """Signs and checks (method, key, expiry) with a secret key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def signature(self, method: str, key: str, expires: int) -> str:
        message = f"{method.upper()}\n{key}\n{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, method: str, key: str, ttl_s: int, *, now: float | None = None) -> tuple[int, str]:
        """Returns (expires, sig) for a URL valid ``ttl_s`` seconds from now."""
        expires = int(now if now is not None else time.time()) + ttl_s
        return expires, self.signature(method, key, expires)

    def check(self, method: str, key: str, expires: int, sig: str) -> str | None:
        """None when the signature is good and not expired, else the reason."""
        # compare_digest refuses non-ASCII str: compare bytes, so any odd signature is just wrong.
        expected = self.signature(method, key, expires).encode()
        if not hmac.compare_digest(expected, sig.encode("utf-8", "surrogateescape")):
            return "signature"
        if expires < time.time():
            return "expired"
        return None
