"""A database that cannot take a session (down, starting, full) answers 503 + Retry-After, never 500; text it
can never store (NUL) is the client's 422."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from vitrine_kit.errors import install_error_handlers


class FakeAsyncpgError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def app_raising(exc: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return app


async def get(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/boom")


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),  # PostgreSQL down: the pool cannot connect
        ConnectionResetError(104, "Connection reset by peer"),  # it went down during the handshake
        DBAPIError("connect", None, FakeAsyncpgError("the database system is starting up", "57P03")),
        DBAPIError("connect", None, FakeAsyncpgError("the database system is shutting down", "57P03")),
        DBAPIError("SELECT 1", None, FakeAsyncpgError("terminating connection", "57P01")),
        DBAPIError("connect", None, FakeAsyncpgError("too many clients already", "53300")),
        DBAPIError("SELECT 1", None, Exception("connection was closed"), connection_invalidated=True),
        PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
    ],
    ids=["refused", "reset", "starting", "stopping", "terminated", "full", "invalidated", "pool-timeout"],
)
async def test_an_unavailable_database_answers_503_with_retry_after(exc: Exception) -> None:
    response = await get(app_raising(exc))
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/database-unavailable")


async def test_a_wrong_query_is_still_a_bug() -> None:
    exc = ProgrammingError("SELECT nope", None, FakeAsyncpgError('column "nope" does not exist', "42703"))
    response = await get(app_raising(exc))
    assert response.status_code == 500


async def test_text_the_database_cannot_store_is_the_clients_422() -> None:
    orig = FakeAsyncpgError('invalid byte sequence for encoding "UTF8": 0x00', "22021")
    response = await get(app_raising(DBAPIError("SELECT … WHERE code = $1", None, orig)))
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/invalid-text")
