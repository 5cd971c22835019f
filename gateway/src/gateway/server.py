"""The gateway's HTTP/1.1 server (connections: ``connection.py``, a request's client side:
``client_exchange.py``).

``run`` serves until SIGTERM/SIGINT, then stops accepting, closes idle connections, lets requests in flight
finish (each connection closed after its answer) for up to ``shutdown_timeout_s``, and cuts what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
from typing import Any

import uvloop

from gateway.config import Settings
from gateway.connection import HttpConnection, ServerState
from gateway.main import Gateway, create_app

logger = logging.getLogger("gateway.server")


async def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    sock: socket.socket | None = None,
    gateway: Gateway | None = None,
    started: asyncio.Future[int] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the gateway until ``stop`` is set (by default: SIGTERM or SIGINT), then shut down gracefully.

    ``started`` gets the port listened on once requests are served.
    """
    loop = asyncio.get_running_loop()
    gateway = gateway or create_app(settings)
    await gateway.startup()
    # What startup made lives as long as the process: out of the collector's way, so the collections
    # requests cause walk only what requests allocate.
    gc.collect()
    gc.freeze()
    state = ServerState(gateway, settings, loop)
    # Untyped: uvloop's server gives its sockets as a list where typeshed says tuple, which the compiled
    # module (gateway/compile.py) would refuse.
    server: Any
    try:
        if sock is not None:
            server = await loop.create_server(lambda: HttpConnection(state), sock=sock, backlog=2048)
        else:
            server = await loop.create_server(
                lambda: HttpConnection(state), host, port, backlog=2048, reuse_address=True
            )
        bound = server.sockets[0].getsockname()[1]
        build = "python" if __file__.endswith(".py") else "compiled"  # gateway/compile.py
        logger.info("gateway listening on %s:%d (pid %d, %s build)", host, bound, os.getpid(), build)
        if stop is None:
            stop = asyncio.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
        if started is not None:
            started.set_result(bound)
        await stop.wait()
        server.close()
        state.shut()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.all_closed.wait(), settings.shutdown_timeout_s)
        if state.connections:
            logger.warning("%d connections still open at shutdown: cut", len(state.connections))
    finally:
        state.stop()
        await gateway.shutdown()


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve with ``workers`` processes sharing one listening socket (each with its own event loop)."""
    if workers <= 1:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(settings, host=host, port=port))
        return
    sock = socket.create_server((host, port), backlog=2048)
    pids: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker
            code = 0
            try:
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    runner.run(serve(settings, host=host, port=port, sock=sock))
            except BaseException:
                logger.exception("worker failed")
                code = 1
            os._exit(code)
        pids.append(pid)
    sock.close()

    def forward(sig: int, _frame: object) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for pid in pids:
        os.waitpid(pid, 0)
