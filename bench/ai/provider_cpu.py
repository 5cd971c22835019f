"""CPU of one Gemini call in the calling process: google-genai's ``generate_content`` against the body built
by ai-service's ``GeminiProvider`` (sent with the SDK's API client), on the same photos and stand-in.

The AI stand-in runs in a process of its own with no latency, the calls run one after another, and the
CPU counted is this process's only (``time.process_time``), so it is the client's cost of building the
request, sending it and reading the answer. Both ways must give the same answer; the script says so.
``uv run --frozen python bench/ai/provider_cpu.py [--calls 40] [--photos 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

from vitrine_kit.testing.helpers import free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import ROOT, percentile, start_service, stop_process, table
from run import load

fakes = load("ai_service_test_fakes", ROOT / "ai-service" / "tests" / "conftest.py")

from ai_service.images.prep import PreparedImage, prepare_sync  # noqa: E402
from ai_service.pipeline import prompts  # noqa: E402
from ai_service.pipeline.schemas import detail_schema  # noqa: E402
from ai_service.providers.base import ModelAnswer, ModelRequest, Usage  # noqa: E402
from ai_service.providers.gemini_api import GeminiProvider  # noqa: E402
from ai_service.reference.catalog import reference  # noqa: E402
from google.genai import types  # noqa: E402


async def sdk_generate(provider: GeminiProvider, request: ModelRequest) -> ModelAnswer:
    """The call as ai-service made it before: ``client.aio.models.generate_content`` with SDK parts."""
    parts = [types.Part.from_bytes(data=i.data, mime_type=i.mime_type) for i in request.images]
    parts.append(types.Part.from_text(text=request.prompt))
    config = types.GenerateContentConfig(
        system_instruction=request.system,
        temperature=request.temperature,
        response_mime_type="application/json",
        response_json_schema=request.schema,
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    response = await provider._client.aio.models.generate_content(
        model=provider.model, contents=[types.Content(role="user", parts=parts)], config=config
    )
    meta = response.usage_metadata
    usage = Usage(
        input_tokens=(meta.prompt_token_count or 0) if meta else 0,
        output_tokens=(meta.candidates_token_count or 0) if meta else 0,
        total_tokens=(meta.total_token_count or 0) if meta else 0,
    )
    return ModelAnswer(json.loads(response.text or "{}"), usage, response.model_version or provider.model)


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sandbox = start_service(
        "sandbox_ai.main",
        {"SANDBOX_AI_LOG_LEVEL": "warning"},
        f"{url}/healthz",
        f"bench-ai-provider-sandbox-{port}",
        serve=("--port", str(port)),
    )
    try:
        ref = reference()
        images = []
        for n in range(args.photos):
            jpeg, w, h, centre = prepare_sync(fakes.photo((40 + 30 * n, 60, 90)), 768, 50_000_000)
            images.append(PreparedImage(jpeg, w, h, role="photo", centre_rgb=centre))
        request = ModelRequest(
            step="full",
            system=prompts.DETAIL_SYSTEM,
            prompt=prompts.detail_prompt(ref, len(images), None, None, ""),
            schema=detail_schema(ref, None, len(images)),
            schema_name="item_attributes",
            images=tuple(images),
        )
        provider = GeminiProvider(
            api_key="sandbox-gemini-key", model="gemini-2.5-flash", base_url=url, timeout_s=30
        )
        ways: dict[str, Any] = {
            "google-genai generate_content": sdk_generate,
            "body built (GeminiProvider)": None,
        }
        answers: dict[str, ModelAnswer] = {}
        rows = []
        for name, way in ways.items():
            call = functools.partial(way, provider) if way else provider.generate
            answers[name] = await call(request)  # warm-up (connection, imports)
            cpu_ms = []
            for _ in range(args.calls):
                start = time.process_time()
                await call(request)
                cpu_ms.append((time.process_time() - start) * 1000)
            rows.append(
                [
                    name,
                    args.calls,
                    f"{sum(cpu_ms) / len(cpu_ms):.1f}",
                    f"{percentile(cpu_ms, 50):.1f}",
                    f"{percentile(cpu_ms, 99):.1f}",
                ]
            )
        await provider.aclose()
        body = sum(len(i.data) for i in images) // 1024
        print(
            f"Gemini call of {args.photos} photos ({body} KiB of JPEG) and the full schema; client CPU per call"
        )
        print(table(["way", "calls", "mean ms", "p50 ms", "p99 ms"], rows))
        first, second = answers.values()
        same = (first.data, first.usage, first.model) == (second.data, second.usage, second.model)
        print(f"same answer both ways: {same}")
    finally:
        stop_process(sandbox)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--photos", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
