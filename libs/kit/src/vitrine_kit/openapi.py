"""The OpenAPI every service publishes: errors documented as the problem+json they are, stable operation ids.

FastAPI documents a 422 as its own ``{detail: [...]}`` while the kit answers RFC 9457 problem+json with a
string ``detail``; a client generator (or a schema-checking fuzzer) must see what is really sent. Every
operation gets the 422 and a ``default`` response (any other error status) with the ``Problem`` schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from vitrine_kit.errors import PROBLEM_JSON

# Kept here as literals (not imported) so the OpenAPI module does not pull the database layer in.
IDEMPOTENT_MARKER = "x-idempotent"
REPLAYED_HEADER = "Idempotency-Replayed"


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: str = Field(description="Dotted path of the field, e.g. 'price' or 'query.limit'")
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem: every error the fleet answers (4xx and 5xx) has this shape."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A stable URI naming the kind of problem")
    title: str = Field(description="A short sentence a seller can read")
    status: int
    detail: str | None = Field(default=None, description="What went wrong this time")
    instance: str | None = Field(default=None, description="The path of the request")
    request_id: str | None = Field(default=None, description="Quote it when asking for help")
    errors: list[FieldProblem] | None = Field(default=None, description="The invalid fields (422)")


def service_prefix(service_name: str) -> str:
    """``catalog-service`` → ``catalog``, ``marketplace-ebay`` → ``ebay``: the first word of operation ids."""
    name = service_name.removesuffix("-service").removeprefix("marketplace-")
    return name.replace("-", "_")


def operation_id_for(prefix: str) -> Any:
    """FastAPI's ``generate_unique_id_function``: ``<service>_<endpoint function>``, stable across releases."""

    def generate(route: APIRoute) -> str:
        return f"{prefix}_{route.name}"

    return generate


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


# Statuses every operation of a kind can answer, documented so a client generator types them.
AUTH_ERRORS = {"401": "No valid access token", "403": "The token may not do this"}
IDEMPOTENCY_ERRORS = {
    "409": "A request with this Idempotency-Key is still running",
    "422": "The request is not valid, or its Idempotency-Key was used for another request",
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": _problem_content()}


def document_errors(operation: dict[str, Any]) -> None:
    """Every error status of ``operation`` as problem+json: declared ones, auth's, idempotency's, ``default``."""
    responses: dict[str, Any] = operation["responses"]
    for status, response in list(responses.items()):
        if status.isdigit() and int(status) >= 400:
            description = (
                "The request is not valid" if status == "422" else response.get("description", "Error")
            )
            responses[status] = {**response, **_problem_response(description)}
    if operation.get("security"):
        for status, description in AUTH_ERRORS.items():
            responses.setdefault(status, _problem_response(description))
    if operation.get(IDEMPOTENT_MARKER):
        for status, description in IDEMPOTENCY_ERRORS.items():
            responses[status] = _problem_response(description)
        replayed = {
            "description": "`true` when this answer is the stored one of an earlier request with the same key",
            "schema": {"type": "string", "enum": ["true"]},
        }
        for status, response in responses.items():
            if status.startswith("2"):
                response.setdefault("headers", {})[REPLAYED_HEADER] = replayed
    responses.setdefault("default", _problem_response("Any other error, as problem+json"))


def install_problem_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with a generator that documents errors as problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        components["FieldProblem"] = FieldProblem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        problem.pop("$defs", None)
        components["Problem"] = problem
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                if isinstance(operation, dict) and "responses" in operation:
                    document_errors(operation)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
