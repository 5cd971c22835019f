"""For tests of services that talk to Stripe: the stand-in served in-process, and a webhook receiver.

with WebhookReceiver() as hooks, serve(Settings(webhook_urls=[hooks.url + "/hooks"])) as url:
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": url, ...})
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import uvicorn

from sandbox_stripe.app import create_app
from sandbox_stripe.config import Settings


@contextmanager
def serve(settings: Settings | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """Run the stand-in with uvicorn in a thread on a free port; yields its base URL.

    ``public_url`` is set to that URL, so the hosted pages' links point at it.
    """
    sock = socket.socket()
    sock.bind((host, 0))
    url = f"http://{host}:{sock.getsockname()[1]}"
    settings = (settings or Settings(_env_file=None)).model_copy(update={"public_url": url})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        if not server.started:
            raise RuntimeError("the Stripe stand-in did not start")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


class WebhookReceiver:
    """A small webhook endpoint in a thread: keeps every request, answers the statuses it is told to."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.script: list[int] = []  # statuses of the next requests, then 200
        self.delay_s = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.script.pop(0) if receiver.script else 200
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "status": status}
                    )
                    delay = receiver.delay_s
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.script.clear()
            self.delay_s = 0.0

    def hits(self, path: str | None = None) -> list[dict[str, Any]]:
        """Requests received (``path``, ``headers``, raw ``body``, the ``status`` answered), in order."""
        with self.lock:
            return [r for r in self.received if path is None or r["path"] == path]

    def types(self, path: str | None = None) -> list[str]:
        """Types of the events accepted (answered 2xx), in arrival order."""
        return [str(json.loads(h["body"])["type"]) for h in self.hits(path) if 200 <= h["status"] < 300]

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for webhooks; accepted so far: {self.types()}")

    def wait_types(self, *wanted: str, path: str | None = None, timeout: float = 5.0) -> list[str]:
        """Wait until each of ``wanted`` was accepted (as many times as listed); returns all types seen."""

        def arrived() -> bool:
            got = self.types(path)
            return all(got.count(t) >= wanted.count(t) for t in wanted)

        self.wait(arrived, timeout)
        return self.types(path)
