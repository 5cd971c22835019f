"""With the offline provider (no AI stand-in, no network): analyses still complete, deterministic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from ai_service.config import ProviderName


@pytest_asyncio.fixture(scope="module")
async def offline(start_app: Any) -> AsyncIterator[Any]:
    async with start_app(
        provider=ProviderName.OFFLINE,
        text_provider=ProviderName.OFFLINE,
        gemini_base_url="http://127.0.0.1:9",  # nothing listens: a call would fail the test
        openai_base_url="http://127.0.0.1:9/v1",
    ) as app:
        yield app


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
