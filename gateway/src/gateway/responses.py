"""Responses the gateway answers itself: JSON and RFC 9457 problem+json, written straight to ASGI."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send
from vitrine_kit.errors import PROBLEM_JSON, problem_body

Headers = list[tuple[bytes, bytes]]
_PROBLEM = PROBLEM_JSON.encode()


async def send_bytes(send: Send, status: int, body: bytes, content_type: bytes, headers: Headers) -> None:
    """A complete response in two ASGI messages."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, document: Any, headers: Headers) -> None:
    """A JSON document."""
    await send_bytes(send, status, json.dumps(document).encode(), b"application/json", headers)


async def send_problem(
    send: Send, status: int, code: str, title: str, detail: str | None, headers: Headers, **extra: Any
) -> None:
    """A problem+json error; the body carries the request id from the logging context."""
    body = json.dumps(problem_body(status, code, title, detail, **extra)).encode()
    await send_bytes(send, status, body, _PROBLEM, headers)
