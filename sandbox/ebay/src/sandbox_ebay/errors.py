"""eBay's error shapes: the REST ``{"errors": [...]}`` envelope and the OAuth ``{"error": ...}`` body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse


def error_item(
    error_id: int,
    message: str,
    *,
    domain: str = "API_INVENTORY",
    category: str = "REQUEST",
    long_message: str | None = None,
    input_refs: list[str] | None = None,
    parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One item of eBay's ``Error`` schema."""
    item: dict[str, Any] = {
        "errorId": error_id,
        "domain": domain,
        "subdomain": "Selling" if domain.startswith("API_") else domain,
        "category": category,
        "message": message,
    }
    if long_message:
        item["longMessage"] = long_message
    if input_refs:
        item["inputRefIds"] = input_refs
    if parameters:
        item["parameters"] = [{"name": k, "value": v} for k, v in parameters.items()]
    return item


class EbayError(Exception):
    """Raised by a route: answered as eBay answers, with status and a list of error items."""

    def __init__(self, status: int, *items: dict[str, Any]) -> None:
        super().__init__(items[0]["message"] if items else "error")
        self.status = status
        self.items = list(items)


class OAuthError(Exception):
    """An OAuth token endpoint error (RFC 6749 §5.2 shape)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def invalid_token() -> EbayError:
    return EbayError(
        401,
        error_item(
            1001,
            "Invalid access token",
            domain="OAuth",
            long_message="Invalid access token. Check the value of the Authorization HTTP request header.",
        ),
    )


def not_found(error_id: int, what: str, domain: str = "API_INVENTORY") -> EbayError:
    return EbayError(
        404, error_item(error_id, f"We didn't find the {what} you are requesting.", domain=domain)
    )


def user_error(
    error_id: int, message: str, *, ref: str | None = None, domain: str = "API_INVENTORY"
) -> dict[str, Any]:
    return error_item(
        error_id,
        f"A user error has occurred. {message}",
        domain=domain,
        long_message=message,
        input_refs=[ref] if ref else None,
    )


def install(app: FastAPI) -> None:
    async def on_ebay(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, EbayError)
        return JSONResponse({"errors": exc.items}, status_code=exc.status)

    async def on_oauth(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OAuthError)
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description}, status_code=exc.status
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        items = [
            error_item(
                2004,
                "Invalid request",
                domain="API_INVENTORY",
                long_message=str(err.get("msg")),
                input_refs=["$." + ".".join(str(p) for p in err.get("loc", ()) if p != "body")],
            )
            for err in exc.errors()
        ]
        return JSONResponse({"errors": items}, status_code=400)

    app.add_exception_handler(EbayError, on_ebay)
    app.add_exception_handler(OAuthError, on_oauth)
    app.add_exception_handler(RequestValidationError, on_validation)


class PostOrderError(Exception):
    """A Post-Order API error: that API answers with its own envelope, ``{"errorMessage": {"error": [...]}}``."""

    def __init__(self, status: int, error_id: int, message: str, *, domain: str) -> None:
        super().__init__(message)
        self.status = status
        self.item = {
            "errorId": error_id,
            "domain": domain,
            "severity": "ERROR",
            "category": "REQUEST" if status < 500 else "APPLICATION",
            "message": message,
            "longMessage": message,
            "parameter": [],
            "httpStatusCode": str(status),
        }


def install_post_order(app: FastAPI) -> None:
    async def on_post_order(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PostOrderError)
        return JSONResponse({"errorMessage": {"error": [exc.item]}}, status_code=exc.status)

    app.add_exception_handler(PostOrderError, on_post_order)
