from __future__ import annotations

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
