"""docs/roles.md lists the endpoints that need more than the kit's default; each one's route must name that
capability, so the table people read and the code that refuses cannot drift apart."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

ROOT = Path(__file__).resolve().parents[3]
# auth-service decides team and device changes from the membership it reads locked, not from the route.
CHECKED_IN_THE_SERVICE = {"auth-service"}
ENDPOINT = re.compile(r"`([A-Z]+) (/[^`]*)`")


def documented() -> list[tuple[str, str, str, str]]:
    text = (ROOT / "docs" / "roles.md").read_text()
    table = text.split("## Endpoints and their capability", 1)[1]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in CHECKED_IN_THE_SERVICE or not cells[0].endswith(("-service", "y")):
            continue
        service, endpoints, capability = cells
        for method, path in ENDPOINT.findall(endpoints):
            rows.append((service, method, path, capability.strip("`")))
    return rows


def shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def capabilities(dependant: Any) -> Iterator[str]:
    for dep in dependant.dependencies:
        capability = getattr(dep.call, "capability", None)
        if capability is not None:
            yield str(capability)
        yield from capabilities(dep)


def walk(
    routes: list[Any], prefix: str = "", extra: tuple[Any, ...] = ()
) -> Iterator[tuple[str, Any, set[str]]]:
    """Every API route with its full path and the capabilities named on it or on the routers above it."""
    for route in routes:
        if isinstance(route, APIRoute):
            named = set(capabilities(route.dependant))
            named |= {str(d.dependency.capability) for d in extra if hasattr(d.dependency, "capability")}
            yield prefix + route.path, route, named
        elif (context := getattr(route, "include_context", None)) is not None:
            router = context.included_router
            deps = (*extra, *context.dependencies, *router.dependencies)
            yield from walk(router.routes, prefix + context.prefix, deps)


APPS: dict[str, Any] = {}


def app_of(service: str) -> Any:
    if service not in APPS:
        APPS[service] = importlib.import_module(service.replace("-", "_") + ".main").create_app()
    return APPS[service]


def test_the_table_is_read() -> None:
    assert len(documented()) >= 12


@pytest.mark.parametrize(("service", "method", "path", "capability"), documented())
def test_the_route_names_its_capability(service: str, method: str, path: str, capability: str) -> None:
    found = [
        named
        for full, route, named in walk(app_of(service).routes)
        if method in route.methods and shape(full) == shape(path)
    ]
    assert found, f"{service} has no route {method} {path}"
    assert capability in found[0], f"{service} {method} {path} needs {capability}"
