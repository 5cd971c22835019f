"""Argon2id password hashing, off the event loop, within a memory budget."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import TypeVar

import anyio
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from auth_service.config import Settings

T = TypeVar("T")


def concurrency_for(budget_mib: int, memory_kib: int) -> int:
    """How many hashes fit in ``budget_mib`` at ``memory_kib`` each (at least one)."""
    return max(1, budget_mib * 1024 // max(1, memory_kib))


class PasswordHasher:
    """Hashes and verifies passwords in worker threads so a login never blocks other requests.

    Each Argon2 computation holds ``memory_kib`` for its duration: at most ``max_concurrent`` run at once
    (the memory budget divided by that), and the others wait their turn rather than exhaust the memory.
    """

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, max_concurrent: int = 4) -> None:
        self._hasher = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._dummy_hash: str | None = None
        self.max_concurrent = max_concurrent
        self._slots = asyncio.Semaphore(max_concurrent)

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        """The hasher with the configured (OWASP by default) parameters and memory budget."""
        return cls(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            max_concurrent=concurrency_for(settings.argon2_memory_budget_mib, settings.argon2_memory_kib),
        )

    async def _run(self, work: Callable[[], T]) -> T:
        async with self._slots:  # queue here, not in memory: a waiting login holds no Argon2 buffer
            return await anyio.to_thread.run_sync(work)

    async def hash(self, password: str) -> str:
        """The Argon2id hash of ``password``."""
        return await self._run(lambda: self._hasher.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``."""

        def check() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await self._run(check)

    async def verify_nobody(self, password: str) -> None:
        """Spend the time of a verification for an unknown account, so timing does not reveal it."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
