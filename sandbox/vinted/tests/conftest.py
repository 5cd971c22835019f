"""The Vinted stand-in in-process, and the plugin stand-in's tab and job runner pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from sandbox_vinted.app import create_app
from sandbox_vinted.plugin import JobRunner, VintedTab

DEMO_TOKEN = "sandbox-vinted-demo-token"


@pytest_asyncio.fixture
async def vinted() -> Any:
    return create_app()


@pytest_asyncio.fixture
async def tab(vinted: Any) -> AsyncIterator[VintedTab]:
    tab = VintedTab("http://vinted.test", DEMO_TOKEN)
    await tab.http.aclose()
    tab.http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=vinted),
        base_url="http://vinted.test",
        cookies={"access_token_web": DEMO_TOKEN},
    )
    yield tab
    await tab.http.aclose()


@pytest_asyncio.fixture
async def runner(tab: VintedTab) -> JobRunner:
    return JobRunner(tab, photos_http=tab.http)
