"""Body limits and streaming, measured on a gateway in its own process (its RSS is what is judged)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest_asyncio
from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, UpstreamServer

MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def reset_peak(pid: int) -> None:
    """Make VmHWM start again from the current RSS (Linux ``clear_refs`` 5)."""
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")


@dataclass
class GatewayProcess:
    process: subprocess.Popen[bytes]
    url: str
    upstream: UpstreamServer
    token: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gateway_process(test_keys: TestKeys) -> AsyncIterator[GatewayProcess]:
    upstream = await UpstreamServer("auth", jwks=test_keys.jwks()).start()
    port = free_port()
    generous = [{"name": "ip", "key": "ip", "rate_per_s": 1e4, "burst": 10_000}]
    env = {
        **os.environ,
        "GATEWAY_UPSTREAMS": json.dumps(
            {"auth": {"prefix": "/api/auth", "url": upstream.url, "max_body_bytes": 300 * MB}}
        ),
        "GATEWAY_JWKS_URL": upstream.url + "/.well-known/jwks.json",
        "GATEWAY_RATE_LIMITS": json.dumps(generous),
        "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"test:gw:{uuid.uuid4().hex}:",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_ACCESS_LOG": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(600):  # 30 s: a loaded machine starts a process slowly
                try:
                    async with session.get(url + "/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert process.poll() is None, "gateway exited"
                await asyncio.sleep(0.05)
        yield GatewayProcess(process, url, upstream, test_keys.issue(tenant_id=uuid.uuid4()))
    finally:
        process.terminate()
        process.wait(10)
        await upstream.stop()


class TestBodyLimits:
    async def test_declared_1gb_body_is_refused_before_reading(self, gateway_process: GatewayProcess) -> None:
        gp = gateway_process
        pid = gp.process.pid
        reset_peak(pid)
        before = rss_kib(pid, "VmRSS")
        host, port = gp.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"POST /api/auth/upload HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {gp.token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {1024 * MB}\r\n\r\n".encode()
        )
        chunk = b"\0" * MB
        for _ in range(8):  # a client that does not wait for 100-continue starts pushing bytes
            writer.write(chunk)
        try:
            status_line = await asyncio.wait_for(reader.readline(), 5)
        finally:
            writer.close()
        assert status_line.startswith(b"HTTP/1.1 413"), status_line
        assert gp.upstream.hits["/upload"] == 0
        assert gp.upstream.uploaded == 0
        assert rss_kib(pid, "VmHWM") - before < 16 * 1024

    async def test_chunked_body_cut_off_past_the_limit(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"x" * (256 * 1024)

        headers = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        async with gateway_for({"auth": upstream}, auth_upstream={"max_body_bytes": MB}) as gw:
            r = await gw.call("POST", "/api/auth/upload", headers=headers, data=body())
        assert r.status == 413
        assert upstream.uploaded <= MB

    async def test_small_limit_on_declared_length(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        headers = {"Authorization": "Bearer " + test_keys.issue(tenant_id=uuid.uuid4())}
        async with gateway_for({"auth": upstream}, auth_upstream={"max_body_bytes": 1000}) as gw:
            r = await gw.call("POST", "/api/auth/upload", headers=headers, data=b"x" * 1001)
            assert r.status == 413
            assert r.json()["type"].endswith("payload-too-large")
            assert (
                await gw.call("POST", "/api/auth/upload", headers=headers, data=b"x" * 1000)
            ).status == 200
        assert upstream.hits["/upload"] == 1


class TestStreaming:
    async def test_200mb_upload_keeps_gateway_memory_flat(self, gateway_process: GatewayProcess) -> None:
        gp = gateway_process
        pid = gp.process.pid
        size, chunk = 200 * MB, b"v" * MB

        async def body() -> AsyncIterator[bytes]:
            for _ in range(size // len(chunk)):
                yield chunk

        headers = {"Authorization": f"Bearer {gp.token}", "Content-Length": str(size)}
        async with aiohttp.ClientSession() as session:
            # Warm up pools and buffers so the measure is about the body only.
            async with session.post(
                gp.url + "/api/auth/upload", headers={**headers, "Content-Length": "3"}, data=b"abc"
            ) as r:
                assert r.status == 200
            gp.upstream.uploaded = 0
            reset_peak(pid)
            before = rss_kib(pid, "VmRSS")
            async with session.post(gp.url + "/api/auth/upload", headers=headers, data=body()) as r:
                assert r.status == 200
                assert (await r.json())["bytes"] == size
        growth_mib = (rss_kib(pid, "VmHWM") - before) / 1024
        print(f"gateway RSS growth during upload: {growth_mib:.1f} MiB")
        assert growth_mib < 24, f"gateway RSS grew {growth_mib:.1f} MiB for a {size // MB} MiB upload"
