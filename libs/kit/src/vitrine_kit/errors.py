"""RFC 9457 problem+json errors: one typed exception per failure, one JSON shape for all of them."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from vitrine_kit.logging import request_id_var

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://errors.vitrine.app/"
logger = logging.getLogger(__name__)


class ProblemError(Exception):
    """Base of every business error; subclasses set ``status``, ``code`` and ``title``.

    ``code`` becomes the stable ``type`` URI; ``detail`` is the human sentence for this occurrence.
    """

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers or {}
        self.extra = extra


class NotFound(ProblemError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, code, title = 409, "conflict", "Conflict"


class Unauthorized(ProblemError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="vitrine"'}, **extra)


class Forbidden(ProblemError):
    status, code, title = 403, "forbidden", "Forbidden"


class TooManyRequests(ProblemError):
    status, code, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after_s: int, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))}, **extra)
        self.extra["retry_after"] = max(1, retry_after_s)


class PayloadTooLarge(ProblemError):
    status, code, title = 413, "payload-too-large", "Request body too large"


class Unprocessable(ProblemError):
    status, code, title = 422, "validation-error", "The request is not valid"


def problem_body(
    status: int, code: str, title: str, detail: str | None, instance: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The problem+json document; ``request_id`` lets a user quote the failing request."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    body.update(extra)
    if isinstance(body.get("errors"), list):  # each item names its field, says why, and has a type
        body["errors"] = [
            {"type": "value_error", **item} if isinstance(item, dict) else item for item in body["errors"]
        ]
    return body


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem+json response: ``code`` names its type, ``extra`` adds members to the body."""
    return JSONResponse(
        problem_body(status, code, title, detail, instance, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


# SQLSTATEs of a server that is starting, stopping or full: cannot_connect_now, admin_shutdown,
# crash_shutdown, too_many_connections.
UNAVAILABLE_SQLSTATES = frozenset({"57P03", "57P01", "57P02", "53300"})


# A text value PostgreSQL can never store (a NUL character, bytes not in UTF-8): always the client's input.
UNSTORABLE_TEXT_SQLSTATES = frozenset({"22021", "22P05"})


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve now (restart, crash, refused), not that a query is wrong."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) in UNAVAILABLE_SQLSTATES
    return isinstance(exc, ConnectionError | PoolTimeout)


def install_error_handlers(app: FastAPI) -> None:
    """Map business errors, validation errors, HTTP errors and bugs to problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            headers=exc.headers,
            instance=request.url.path,
            **exc.extra,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body",
                "message": err.get("msg", "invalid"),
                "type": err.get("type", "value_error"),
            }
            for err in exc.errors()
        ]
        fields = ", ".join(e["field"] for e in errors)
        return problem_response(
            422,
            "validation-error",
            "The request is not valid",
            f"Invalid fields: {fields}",
            instance=request.url.path,
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        code = title.lower().replace(" ", "-")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code,
            code,
            title,
            detail,
            headers=getattr(exc, "headers", None),
            instance=request.url.path,
        )

    async def on_db_error(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            # The database restarted, dropped us or cannot take a session yet: the next try may work.
            logger.warning("database unavailable", extra={"error": repr(getattr(exc, "orig", exc))})
            return problem_response(
                503,
                "database-unavailable",
                "Service temporarily unavailable",
                "The database cannot be reached right now; retry the request.",
                headers={"Retry-After": "1"},
                instance=request.url.path,
            )
        if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in UNSTORABLE_TEXT_SQLSTATES:
            return problem_response(
                422,
                "invalid-text",
                "The request is not valid",
                "A text value holds a character that cannot be stored (such as NUL).",
                instance=request.url.path,
            )
        return await on_bug(request, exc)

    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return problem_response(
            500, "internal-error", "Internal server error", None, instance=request.url.path
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(DBAPIError, on_db_error)
    # Opening a pool connection while PostgreSQL is down raises the socket's error, unwrapped.
    app.add_exception_handler(ConnectionError, on_db_error)
    app.add_exception_handler(PoolTimeout, on_db_error)
    app.add_exception_handler(Exception, on_bug)
