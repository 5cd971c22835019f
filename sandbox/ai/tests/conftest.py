from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import openai
import pytest
import pytest_asyncio
import uvicorn
from google import genai
from google.genai import types
from PIL import Image, ImageDraw
from sandbox_ai.app import create_app
from sandbox_ai.config import Settings

GEMINI_KEY = "test-gemini-key"
OPENAI_KEY = "test-openai-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """The sandbox served by uvicorn in this process, on a free port."""
    settings = Settings(gemini_api_keys=[GEMINI_KEY], openai_api_keys=[OPENAI_KEY])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the sandbox did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest_asyncio.fixture
async def control(sandbox_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The control API; the sandbox is reset before each test."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as client:
        assert (await client.post("/sandbox/reset")).status_code == 204
        yield client


@pytest_asyncio.fixture
async def gemini(sandbox_url: str, control: httpx.AsyncClient) -> AsyncIterator[genai.client.AsyncClient]:
    client = genai.Client(api_key=GEMINI_KEY, http_options=types.HttpOptions(base_url=sandbox_url))
    yield client.aio
    await client.aio.aclose()


@pytest_asyncio.fixture
async def oai(sandbox_url: str, control: httpx.AsyncClient) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(base_url=sandbox_url + "/v1", api_key=OPENAI_KEY, max_retries=0)
    yield client
    await client.close()


def _photo(
    colour: tuple[int, int, int] = (200, 30, 30),
    size: tuple[int, int] = (800, 600),
    background: tuple[int, int, int] = (250, 250, 250),
    fmt: str = "JPEG",
) -> bytes:
    """A product shot: a coloured block in the middle of a plain background."""
    image = Image.new("RGB", size, background)
    w, h = size
    ImageDraw.Draw(image).rectangle([w // 4, h // 4, 3 * w // 4, 3 * h // 4], fill=colour)
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture(scope="session")
def photo():  # type: ignore[no-untyped-def]
    """``photo(colour, size, background, fmt)`` → image bytes."""
    return _photo
