"""The guard against awaiting another service while a pooled database connection is held."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.db import held
from vitrine_kit.db.engine import Database


@pytest_asyncio.fixture
async def db(kit_db: str) -> AsyncIterator[Database]:
    database = Database(kit_db, pool_size=2, max_overflow=0)
    yield database
    await database.dispose()


@pytest.fixture
def strict() -> Iterator[None]:
    held.set_strict(True)
    yield
    held.set_strict(False)


def media_client() -> MediaClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        return httpx.Response(200, json={"images": []})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    tokens = ServiceTokenClient("http://auth/oauth/token", "me", SecretStr("s"), http=http)
    return MediaClient("http://media", tokens, http)


class TestHeld:
    async def test_a_session_holds_its_connection_from_its_first_statement_to_its_commit(self, db) -> None:
        async with db.session() as session:
            assert held.held() == 0  # a session takes no connection until it executes something
            await session.execute(sa.select(1))
            assert held.held() == 1
            await session.commit()
            assert held.held() == 0
            await session.execute(sa.select(1))
            assert held.held() == 1
        assert held.held() == 0

    async def test_another_task_s_connection_is_not_this_task_s(self, db) -> None:
        started, release = asyncio.Event(), asyncio.Event()

        async def other() -> int:
            async with db.session() as session:
                await session.execute(sa.select(1))
                started.set()
                await release.wait()
                return held.held()

        task = asyncio.create_task(other())
        await started.wait()
        assert held.held() == 0
        release.set()
        assert await task == 1

    async def test_strict_mode_refuses_a_call_to_another_service_inside_a_transaction(
        self, db, strict
    ) -> None:
        media = media_client()
        async with db.session() as session:
            await session.execute(sa.select(1))
            with pytest.raises(held.ConnectionHeldAcrossCall, match="media-service"):
                await media.resolve(uuid.uuid4(), [uuid.uuid4()])
            await session.commit()
            assert await media.resolve(uuid.uuid4(), [uuid.uuid4()]) == {}

    async def test_otherwise_a_warning_once_per_target(self, db, caplog) -> None:
        held._warned.difference_update({"media-service", "auth-service"})
        media = media_client()
        with caplog.at_level(logging.WARNING, logger="vitrine_kit.db.held"):
            async with db.session() as session:
                await session.execute(sa.select(1))
                for _ in range(3):
                    assert await media.resolve(uuid.uuid4(), [uuid.uuid4()]) == {}
        warned = [r.target for r in caplog.records if r.name == "vitrine_kit.db.held"]  # type: ignore[attr-defined]
        assert sorted(warned) == ["auth-service", "media-service"]  # the token fetch, then the resolve

    async def test_strict_for_one_task_leaves_tasks_already_running_warning(self, db) -> None:
        """``strict()`` covers the block's task and what it starts, not a loop started before (a service's
        background worker must not fail a test that happens to run beside it)."""
        held._warned.discard("elsewhere")
        go, done = asyncio.Event(), asyncio.Event()

        async def background() -> None:
            async with db.session() as session:
                await session.execute(sa.select(1))
                await go.wait()
                held.check_outbound("elsewhere")  # warns: not strict here
                done.set()

        loop_task = asyncio.create_task(background())
        with held.strict():
            async with db.session() as session:
                await session.execute(sa.select(1))
                with pytest.raises(held.ConnectionHeldAcrossCall, match="media-service"):
                    held.check_outbound("media-service")

                await session.commit()

            async def started_here() -> None:
                async with db.session() as own:
                    await own.execute(sa.select(1))
                    held.check_outbound("media-service")

            with pytest.raises(held.ConnectionHeldAcrossCall):
                await asyncio.create_task(started_here())  # a task started in the block is strict too
            go.set()
            await loop_task
        assert done.is_set()
        async with db.session() as session:
            await session.execute(sa.select(1))
            held.check_outbound("media-service")  # strict no more: a warning


class TestTrack:
    def test_a_pool_the_event_registry_mistakes_for_a_tracked_one_is_tracked(self, monkeypatch) -> None:
        """SQLAlchemy's ``event.contains`` goes by ``id(pool)``; a disposed engine's new pool keeps its old
        pool's id registered, so a pool later made at that dead pool's address reads as listened to (seen
        once in a full run: a task's connection counted 0). ``track`` asks the pool's own listeners."""
        monkeypatch.setattr(event, "contains", lambda *args: True)  # what that stale id answers
        engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connected
        held.track(engine)
        assert list(engine.sync_engine.pool.dispatch.checkout) == [held._checkout]
        assert list(engine.sync_engine.pool.dispatch.checkin) == [held._checkin]
        monkeypatch.undo()
        engine.sync_engine.dispose()  # its new pool carries the listeners: tracking it again adds none
        held.track(engine)
        assert list(engine.sync_engine.pool.dispatch.checkout) == [held._checkout]
