"""Etsy's error shapes: ``{"error": "..."}`` for the API, ``{"error", "error_description"}`` for OAuth."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response


class EtsyError(Exception):
    """Raised by a route: answered as Etsy answers (``ErrorSchema``), with extra headers if any."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


class OAuthError(Exception):
    """An OAuth error (RFC 6749 §5.2 shape): the token endpoint, and bad or expired bearer tokens."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def bad_request(message: str) -> EtsyError:
    return EtsyError(400, message)


def not_found(message: str) -> EtsyError:
    return EtsyError(404, message)


def forbidden(message: str) -> EtsyError:
    return EtsyError(403, message)


def conflict(message: str) -> EtsyError:
    return EtsyError(409, message)


def install(app: FastAPI) -> None:
    async def on_etsy(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, EtsyError)
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    async def on_oauth(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OAuthError)
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description}, status_code=exc.status
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in {"body", "query", "path"})
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse({"error": "; ".join(problems) or "Invalid request"}, status_code=400)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code < 400 or exc.status_code in {204, 304}:
            return Response(status_code=exc.status_code, headers=exc.headers)
        body = {"error": str(exc.detail)} if request.url.path.startswith("/v3/") else {"detail": exc.detail}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(EtsyError, on_etsy)
    app.add_exception_handler(OAuthError, on_oauth)
    app.add_exception_handler(RequestValidationError, on_validation)
