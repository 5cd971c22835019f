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
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                if "422" in responses:
                    responses["422"] = {
                        "description": "The request is not valid",
                        "content": _problem_content(),
                    }
                responses.setdefault(
                    "default",
                    {"description": "Any other error, as problem+json", "content": _problem_content()},
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
