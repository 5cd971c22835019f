"""The gateway in front of services that answer oddly: raw TCP services scripted byte for byte."""

from __future__ import annotations

import asyncio
import logging

import pytest
from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory
from .test_proxy import bearer
from .test_upstream_client import OK, Service, answering, service


def _url(svc: Service) -> str:
    assert svc.origin is not None
    return svc.origin.key


async def test_a_304_with_its_length_is_relayed_without_a_body(
    gateway_for: GatewayFactory, test_keys: TestKeys, caplog: pytest.LogCaptureFixture
) -> None:
    not_modified = b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 1234\r\n\r\n'
    handler = answering(not_modified, OK)
    async with service(handler) as svc:
        handler.svc = svc  # type: ignore[attr-defined]
        async with gateway_for({"auth": _url(svc)}) as gw:
            auth = {**bearer(test_keys), "If-None-Match": '"v1"'}
            r = await gw.call("GET", "/api/auth/me", headers=auth)
            assert r.status == 304
            assert r.headers["ETag"] == '"v1"'
            assert r.body == b""
            again = await gw.call("GET", "/api/auth/me", headers=auth)
            assert (again.status, again.body) == (200, b"ok")
    # The length a 304 may carry is not passed on: the server would wait for that many bytes of body.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_answer_cut_short_or_not_http_is_a_502(
    gateway_for: GatewayFactory, test_keys: TestKeys
) -> None:
    for broken in (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", b"\x00\x01 not http\r\n\r\n"):

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(broken)
            await writer.drain()

        async with service(handler) as svc, gateway_for({"auth": _url(svc)}) as gw:
            r = await asyncio.wait_for(gw.call("GET", "/api/auth/me", headers=bearer(test_keys)), 10)
            assert r.status == 502
            assert r.json()["upstream"] == "auth"


async def test_an_idle_connection_the_service_closed_is_not_an_outage(
    gateway_for: GatewayFactory, test_keys: TestKeys
) -> None:
    async def closes_idle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(OK)
        await writer.drain()
        await asyncio.sleep(0.05)  # closed idle, as a service past its keep-alive

    async with (
        service(closes_idle) as svc,
        gateway_for({"auth": _url(svc)}, breaker_failure_threshold=1) as gw,
    ):
        for _ in range(3):
            r = await gw.call("GET", "/api/auth/me", headers=bearer(test_keys))
            assert (r.status, r.body) == (200, b"ok")
            await asyncio.sleep(0.1)
        assert gw.app.breakers["auth"].state == "closed"
        assert svc.connections == 3
