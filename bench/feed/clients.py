"""One client process of the feed benchmark: many SSE streams on plain asyncio sockets, timing each item.

    python bench/feed/clients.py <port> <tokens file>     # one token a line, one stream per token

Prints ``ready`` once every stream has its first bytes, then answers each line of stdin: ``reset`` (forget
what was received), ``report`` (one JSON line: latencies in seconds, keep-alives, streams closed or ended by
the server, refused), ``stop``. Only the standard library and uvloop: it starts in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime
from typing import Any

import uvloop


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.heartbeats = self.closed = self.ended = self.refused = 0

    def reset(self) -> None:
        self.latencies.clear()
        self.heartbeats = 0

    def report(self) -> dict[str, Any]:
        return {
            "latencies": self.latencies,
            "heartbeats": self.heartbeats,
            "closed": self.closed,
            "ended": self.ended,
            "refused": self.refused,
        }


async def stream(port: int, token: str, stats: Stats, ready: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /feed HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    try:
        if b" 200 " not in await reader.readline():
            stats.refused += 1
            return
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        while True:  # chunked body: one SSE block per chunk
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                break
            chunk = await reader.readexactly(size)
            await reader.readexactly(2)
            if chunk.startswith(b"id:"):
                data = chunk[chunk.index(b"data: ") + 6 :]
                at = datetime.fromisoformat(json.loads(data)["at"]).timestamp()
                stats.latencies.append(time.time() - at)
            elif chunk.startswith(b":"):
                stats.heartbeats += 1
            elif chunk.startswith(b"retry"):
                ready.set()
            elif chunk.startswith(b"event: reconnect"):
                stats.ended += 1
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        ready.set()
        stats.closed += 1
        writer.close()


async def main(port: int, tokens: list[str]) -> None:
    stats = Stats()
    tasks = []
    for i in range(0, len(tokens), 100):  # in batches, so the service's accept queue never overflows
        readies = [asyncio.Event() for _ in tokens[i : i + 100]]
        tasks += [
            asyncio.create_task(stream(port, t, stats, r))
            for t, r in zip(tokens[i : i + 100], readies, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while (command := (await loop.run_in_executor(None, sys.stdin.readline)).strip()) not in ("stop", ""):
        if command == "reset":
            stats.reset()
        print(json.dumps(stats.report()), flush=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        uvloop.run(main(int(sys.argv[1]), f.read().split()))
