from __future__ import annotations

import io
import struct
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pillow_heif
import pytest
import pytest_asyncio
import sqlalchemy as sa
from media_service.config import Settings
from media_service.main import SERVICE_DIR, create_app
from media_service.storage import Storage
from PIL import Image
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.db.models import OutboxMessage
from vitrine_kit.testing.app import running_app

pillow_heif.register_heif_opener()
GPS_IFD = 0x8825
ORIENTATION = 0x0112


class Pics:
    """Test images made with Pillow (and a few hand-made files)."""

    @staticmethod
    def photo(size: tuple[int, int] = (400, 300), fmt: str = "JPEG", **save: Any) -> bytes:
        # A gradient, so the encoders have something to encode and sizes are realistic.
        image = Image.linear_gradient("L").resize(size).convert("RGB")
        out = io.BytesIO()
        image.save(out, fmt, **save)
        return out.getvalue()

    @staticmethod
    def jpeg_rotated_with_gps(size: tuple[int, int] = (200, 100)) -> bytes:
        """A landscape JPEG whose EXIF says 'rotate 90° clockwise' (orientation 6), with GPS and camera tags."""
        image = Image.new("RGB", size, (200, 30, 30))
        image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
        exif = Image.Exif()
        exif[ORIENTATION] = 6
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "PhoneModel X"  # Model
        exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
        out = io.BytesIO()
        image.save(out, "JPEG", exif=exif, quality=90)
        return out.getvalue()

    @staticmethod
    def png_header(width: int, height: int) -> bytes:
        """A tiny PNG that declares ``width`` x ``height`` (a decompression bomb if decoded)."""

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        idat = zlib.compress(b"\x00" * 1024)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def pics() -> Pics:
    return Pics()


@pytest_asyncio.fixture(scope="session")
async def media_db(service_database: Any) -> str:
    return await service_database("media", SERVICE_DIR)


@pytest.fixture
def make_settings(
    media_db: str, amqp_url: str, broker_namespace: str, tmp_path: Path
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": media_db,
            "amqp_url": amqp_url,
            "broker_namespace": f"{broker_namespace}{uuid.uuid4().hex[:6]}.",
            "log_json": False,
            "outbox_poll_interval_s": 0.2,
            "local_storage_dir": tmp_path / "media",
            "public_base_url": "http://testserver",
        }
        values.update(overrides)
        return Settings(**values)

    return make


class Media:
    """One running media-service and the steps its tests repeat."""

    def __init__(self, client: httpx.AsyncClient, runtime: ServiceRuntime, test_keys: Any) -> None:
        self.client = client
        self.runtime = runtime
        self.keys = test_keys

    def seller(self, tenant_id: uuid.UUID | None = None) -> dict[str, str]:
        token = self.keys.issue(tenant_id=tenant_id or uuid.uuid4())
        return {"Authorization": f"Bearer {token}"}

    def service(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.issue(scope='service media:read', roles=())}"}

    async def upload(self, headers: dict[str, str], *files: tuple[str, bytes, str]) -> httpx.Response:
        parts = [("files", (name, data, ctype)) for name, data, ctype in files]
        return await self.client.post("/images", files=parts, headers=headers)

    async def upload_one(
        self, headers: dict[str, str], name: str, data: bytes, ctype: str = "image/jpeg"
    ) -> dict[str, Any]:
        response = await self.upload(headers, (name, data, ctype))
        assert response.status_code in (200, 201), response.text
        result = response.json()["results"][0]
        assert result["image"] is not None
        return dict(result["image"])

    async def fetch(self, url: str) -> httpx.Response:
        """GET a signed URL: through the app for local storage, over the network for S3."""
        if url.startswith("http://testserver"):
            return await self.client.get(url)
        async with httpx.AsyncClient() as http:
            return await http.get(url)

    async def outbox(self, routing_key: str) -> list[dict[str, Any]]:
        async with self.runtime.db.session() as session:
            rows = await session.execute(
                sa.select(OutboxMessage.body)
                .where(OutboxMessage.routing_key == routing_key)
                .order_by(OutboxMessage.seq)
            )
            return [dict(r) for r in rows.scalars()]


@asynccontextmanager
async def started(settings: Settings, test_keys: Any, storage: Storage | None = None) -> AsyncIterator[Media]:
    app = create_app(settings, storage=storage, verifier=test_keys.verifier())
    async with running_app(app) as (client, runtime):
        yield Media(client, runtime, test_keys)


@pytest_asyncio.fixture
async def media(make_settings: Callable[..., Settings], test_keys: Any) -> AsyncIterator[Media]:
    async with started(make_settings(), test_keys) as m:
        yield m


@pytest.fixture
def start(make_settings: Callable[..., Settings], test_keys: Any) -> Callable[..., Any]:
    """``async with start(storage=..., **settings_overrides) as media:``."""

    def run(storage: Storage | None = None, **overrides: Any) -> Any:
        return started(make_settings(**overrides), test_keys, storage)

    return run
