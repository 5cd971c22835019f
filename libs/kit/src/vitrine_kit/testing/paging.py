"""Walk a paged list the way a client does, checking the envelope on every page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Get = Callable[..., Awaitable[httpx.Response]]


async def walk(
    get: Get,
    path: str,
    *,
    limit: int,
    params: dict[str, Any] | None = None,
    between: Callable[[int], Awaitable[None]] | None = None,
    max_pages: int = 1000,
) -> list[list[dict[str, Any]]]:
    """Every page of ``path`` (``limit`` items each), following ``next_cursor`` until it is null.

    ``between(n)`` runs after page ``n`` is read and before the next is asked for (insert rows there to
    check that paging neither repeats nor skips the rows that were already there).
    """
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    for number in range(max_pages):
        query = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) >= {"items", "next_cursor"}, body
        assert len(body["items"]) <= limit
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert body["items"], "a page with a next cursor is never empty"
        if between is not None:
            await between(number)
    raise AssertionError(f"{path} still had a next page after {max_pages} pages")


async def refusals(get: Get, path: str) -> None:
    """A bad ``cursor`` or ``limit`` is a 422 problem naming the parameter, never a 500 or a wrong page."""
    for params, field in (
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"cursor": "eyJhIjogMX0"}, "query.cursor"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
    ):
        response = await get(path, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json().get("errors", [])], (params, response.json())
