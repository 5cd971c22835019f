"""The sandbox's memory: faults to inject, latency, forced answers and the log of calls received."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

Provider = Literal["gemini", "openai"]


@dataclass
class Fault:
    """Answer ``status`` instead of the real thing for the next ``remaining`` matching calls."""

    status: int
    remaining: int
    provider: Provider | None = None
    model: str | None = None
    retry_after_s: float | None = None
    message: str | None = None

    def matches(self, provider: Provider, model: str) -> bool:
        return (self.provider is None or self.provider == provider) and (
            self.model is None or self.model == model
        )


@dataclass
class Forced:
    """The answer of the next matching call: a JSON value, or a string sent verbatim as the text."""

    provider: Provider
    answer: Any
    model: str | None = None


class World:
    """Everything the sandbox keeps between calls; one lock, since tests poke it from other threads."""

    def __init__(self, log_size: int = 1000) -> None:
        self.lock = threading.RLock()
        self.log_size = log_size
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.faults: list[Fault] = []
            self.forced: list[Forced] = []
            self.latency_ms: dict[str, int] = {}
            self.requests: deque[dict[str, Any]] = deque(maxlen=self.log_size)
            self.seq = 0

    def take_fault(self, provider: Provider, model: str) -> Fault | None:
        """The first fault matching the call, its count used up by one."""
        with self.lock:
            self.faults = [f for f in self.faults if f.remaining > 0]
            for fault in self.faults:
                if fault.matches(provider, model):
                    fault.remaining -= 1
                    return fault
        return None

    def take_forced(self, provider: Provider, model: str) -> Forced | None:
        with self.lock:
            for i, forced in enumerate(self.forced):
                if forced.provider == provider and forced.model in (None, model):
                    return self.forced.pop(i)
        return None

    def latency_for(self, provider: Provider) -> int:
        with self.lock:
            return self.latency_ms.get(provider, self.latency_ms.get("*", 0))

    def record(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.seq += 1
            entry = {"seq": self.seq, **entry}
            self.requests.append(entry)
            return entry
