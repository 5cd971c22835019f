"""How a call to a service fails. Plain Python classes, kept out of the compiled modules (``gateway/compile.py``):
two of them are also ``TimeoutError``s, and a compiled class cannot inherit from two built-in exceptions."""

from __future__ import annotations


class UpstreamError(Exception):
    """The exchange failed: reset, closed mid-answer, or an answer that is not HTTP/1.1."""


class ConnectError(UpstreamError):
    """The connection could not be opened: the service never saw the request."""


class ConnectTimeout(ConnectError, TimeoutError):
    """The connection was not opened within the connect timeout."""


class UpstreamTimeout(UpstreamError, TimeoutError):
    """The service sent nothing for the read timeout while an answer (or the rest of one) was awaited."""


class StaleConnection(UpstreamError):
    """A reused keep-alive connection closed before any byte of the answer: the service had closed it idle."""
