from __future__ import annotations

import asyncio

from media_service.cli import main


class TestCli:
    async def test_create_db_and_migrate(self, media, monkeypatch) -> None:
        monkeypatch.setenv("MEDIA_DATABASE_URL", media.runtime.settings.database_url.get_secret_value())
        assert await asyncio.to_thread(main, ["create-db"]) == 0
        assert await asyncio.to_thread(main, ["migrate"]) == 0
        ready = await media.client.get("/readyz")
        assert ready.json()["checks"]["migrations"] == "ok"
