"""Sample data and helpers shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from sandbox_vinted.plugin import PluginStandIn, Switches, VintedTab


def jeans(title: str, media_ids: list[str]) -> dict[str, object]:
    """A product every marketplace accepts: a pair of Levi's jeans, with its photos in order."""
    return {
        "title": title,
        "description": "Classic 501, straight leg, barely worn.",
        "price": "35.00",
        "stock_quantity": 1,
        "brand": "levi-s",
        "category": "jeans",
        "size_system": "waist",
        "size": "W32",
        "colours": ["blue"],
        "condition": "very_good",
        "gender": "men",
        "images": [{"media_id": m} for m in media_ids],
    }


class ThreadedPlugin:
    """A plugin stand-in on its own event loop in a thread, driven from the (synchronous) test."""

    def __init__(
        self, relay_url: str, token: str, vinted_url: str, vinted_token: str, switches: Switches | None = None
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        tab = VintedTab(vinted_url, vinted_token)
        self.plugin = PluginStandIn(relay_url, token, tab, switches=switches or Switches())

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def online(self) -> None:
        self.run(self.plugin.start())

    def offline(self) -> None:
        self.run(self.plugin.sio.disconnect())

    def close(self) -> None:
        try:
            self.run(self.plugin.stop(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
