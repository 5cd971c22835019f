"""Input tokens of one photo per rendition, as the providers' usage reports count them.

    uv run --frozen python ai-service/scripts/measure_tokens.py            # against the AI stand-in, in-process
    uv run --frozen python ai-service/scripts/measure_tokens.py --base-url https://generativelanguage.googleapis.com \
        --gemini-key ... --openai-base-url https://api.openai.com/v1 --openai-key ...   # against the real APIs

Sends the same category request with one photo at each size and subtracts the tokens of the request
without a photo: what is left is the photo's price in input tokens (``usageMetadata.promptTokenCount`` for
Gemini, ``usage.prompt_tokens`` for OpenAI). The README's figures come from this script.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import uvicorn
from ai_service.images.prep import PreparedImage, prepare_sync
from ai_service.pipeline import prompts
from ai_service.pipeline.schemas import category_schema
from ai_service.providers.base import ModelRequest, Provider
from ai_service.providers.gemini_api import GeminiProvider
from ai_service.providers.openai_api import OpenAIProvider
from ai_service.reference.catalog import reference
from PIL import Image, ImageDraw

# (label, longest side, what it is): media-service's renditions and the sizes ai-service sends.
SIZES = [
    ("original 12 MP", 4000, "the seller's photo as uploaded"),
    ("large", 1600, "media-service's large"),
    ("label (sent)", 1536, "large fitted in 1536: the label photo"),
    ("medium", 1024, "media-service's medium"),
    ("photo (sent)", 768, "medium fitted in 768: every other photo"),
    ("thumb (sent)", 320, "media-service's thumb: the label search (OpenAI detail low)"),
]


def photo_of(side: int, role: str) -> PreparedImage:
    """A 4:3 photo of a garment with a printed label, fitted in ``side``."""
    image = Image.new("RGB", (4000, 3000), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((1000, 500, 3000, 2600), fill=(40, 70, 150))
    draw.rectangle((1800, 700, 2200, 900), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    data, width, height, centre = prepare_sync(out.getvalue(), side, 100_000_000)
    return PreparedImage(data, width, height, role=role, centre_rgb=centre)


async def tokens(provider: Provider, image: PreparedImage | None) -> int:
    ref = reference()
    request = ModelRequest(
        step="category",
        system=prompts.CATEGORY_SYSTEM,
        prompt=prompts.category_prompt(ref, 1, False, ""),
        schema=category_schema(ref, 1, False),
        schema_name="item_category",
        images=(image,) if image else (),
    )
    return (await provider.generate(request)).usage.input_tokens


@contextlib.asynccontextmanager
async def stand_in() -> AsyncIterator[str]:
    from sandbox_ai.app import create_app
    from vitrine_kit.testing.helpers import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def measure(args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        base = args.base_url or await stack.enter_async_context(stand_in())
        gemini = GeminiProvider(api_key=args.gemini_key, model=args.gemini_model, base_url=base, timeout_s=60)
        openai = OpenAIProvider(
            api_key=args.openai_key,
            model=args.openai_model,
            base_url=args.openai_base_url or f"{base}/v1",
            timeout_s=60,
        )
        text_only = {"gemini": await tokens(gemini, None), "openai": await tokens(openai, None)}
        print(f"| photo | pixels | Gemini ({args.gemini_model}) | OpenAI ({args.openai_model}) |")
        print("|---|---|---|---|")
        for name, side, what in SIZES:
            image = photo_of(side, "thumb" if name.startswith("thumb") else "photo")
            g = await tokens(gemini, image) - text_only["gemini"]
            o = await tokens(openai, image) - text_only["openai"]
            print(f"| {name}: {what} | {image.width}x{image.height} | {g} | {o} |")
        await gemini.aclose()
        await openai.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base-url", default=None, help="Gemini's base URL (default: the stand-in, in-process)"
    )
    parser.add_argument("--gemini-key", default="sandbox-gemini-key")
    parser.add_argument("--gemini-model", default="gemini-2.5-flash")
    parser.add_argument("--openai-base-url", default=None)
    parser.add_argument("--openai-key", default="sandbox-openai-key")
    parser.add_argument("--openai-model", default="gpt-4o-mini")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
