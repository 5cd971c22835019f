from __future__ import annotations

import asyncio
import threading
import time

from auth_service.config import Settings
from auth_service.security.passwords import PasswordHasher


class TestPasswordHasher:
    def test_defaults_are_owasp_argon2id(self) -> None:
        settings = Settings()
        assert (settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism) == (
            19456,
            2,
            1,
        )

    async def test_hash_verify_and_rehash_on_new_parameters(self) -> None:
        old = PasswordHasher(time_cost=1, memory_kib=64, parallelism=1)
        hashed = await old.hash("a long password")
        assert hashed.startswith("$argon2id$")
        assert await old.verify(hashed, "a long password")
        assert not await old.verify(hashed, "another password")
        assert not old.needs_rehash(hashed)
        assert PasswordHasher(time_cost=2, memory_kib=128, parallelism=1).needs_rehash(hashed)

    async def test_login_rehashes_when_parameters_changed(self, start) -> None:
        import sqlalchemy as sa
        from auth_service.models import User

        async with start(argon2_memory_kib=64) as flows:
            registered = await flows.register()
        async with start(argon2_memory_kib=128) as flows:
            await flows.login(registered["email"])
            async with flows.runtime.db.session() as session:
                stored = (
                    await session.execute(
                        sa.select(User.password_hash).where(User.email == registered["email"])
                    )
                ).scalar_one()
        assert "m=128" in stored


class Tracking:
    """Wraps argon2's hasher: counts the computations running at once (each holds its memory)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.05)
            return self.inner.verify(password_hash, password)  # type: ignore[attr-defined]
        finally:
            with self.lock:
                self.active -= 1

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


class TestMemoryBudget:
    async def test_concurrent_logins_never_hash_more_than_the_budget_allows(self, start) -> None:
        # 1 MiB of budget at 512 KiB a hash: two at once, the others queue.
        async with start(argon2_memory_kib=512, argon2_memory_budget_mib=1) as flows:
            registered = await flows.register()
            hasher = flows.runtime.context.hasher
            tracking = Tracking(hasher._hasher)
            hasher._hasher = tracking
            body = {"email": registered["email"], "password": flows.PASSWORD}
            answers = await asyncio.gather(*(flows.client.post("/login", json=body) for _ in range(12)))
            assert [a.status_code for a in answers] == [200] * 12
            assert tracking.peak == 2
