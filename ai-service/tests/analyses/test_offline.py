"""With the offline provider (no AI stand-in, no network): analyses still complete, deterministic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from ai_service.config import ProviderName
from ai_service.main import create_app
from vitrine_kit.testing.app import running_app


@pytest_asyncio.fixture(scope="module")
async def offline(
    ai_db, amqp_url, broker_namespace, test_keys, edge, sandbox, app_class
) -> AsyncIterator[Any]:
    settings = app_class.settings(
        ai_db,
        amqp_url,
        broker_namespace,
        edge,
        sandbox,
        provider=ProviderName.OFFLINE,
        text_provider=ProviderName.OFFLINE,
        gemini_base_url="http://127.0.0.1:9",  # nothing listens: a call would fail the test
        openai_base_url="http://127.0.0.1:9/v1",
    )
    async with running_app(create_app(settings, verifier=test_keys.verifier())) as (client, runtime):
        yield app_class(client, runtime, test_keys, edge, sandbox)


class TestOffline:
    async def test_an_analysis_completes_without_a_provider(self, offline) -> None:
        seller = offline.seller()
        await offline.sandbox.reset()
        done = await seller.analyse(image_ids=seller.photos(2))
        assert done["status"] == "completed", done
        assert (done["provider"], done["model"]) == ("offline", "offline-1")
        assert done["pipeline"] == "full"  # it never trusts its category guess
        assert {d["written_by"] for d in done["result"]["drafts"].values()} == {"template"}
        assert done["result"]["attributes"]["brand"]["text"] is None
        assert await offline.sandbox.requests() == []
        assert seller.reservations()[0].status == "committed"
