"""The storage interface every backend implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from vitrine_kit.errors import ProblemError


class StorageUnavailable(ProblemError):
    status, code, title = 503, "storage-unavailable", "Image storage is unavailable"


@dataclass(frozen=True)
class SignedUpload:
    """Where and how a client uploads one file directly (a presigned PUT)."""

    url: str
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)


class Storage(Protocol):
    """Objects addressed by key (``t/<tenant>/images/<id>/large.webp``); URLs are signed and expire."""

    async def start(self) -> None:
        """Open clients, create directories."""

    async def close(self) -> None:
        """Release clients."""

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store the file at ``path`` under ``key`` (streamed, never read whole into memory)."""

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; ``KeyError`` when it does not exist."""
        raise NotImplementedError
        yield b""  # pragma: no cover

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, or None when it does not exist."""

    async def delete(self, keys: list[str]) -> None:
        """Delete these objects (missing ones are ignored)."""

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were deleted."""

    async def signed_url(self, key: str, ttl_s: int, *, content_type: str | None = None) -> str:
        """A URL anyone can GET the object from until it expires in ``ttl_s`` seconds."""

    async def signed_upload(self, key: str, ttl_s: int) -> SignedUpload:
        """A URL a client PUTs one file to, directly, until it expires."""

    async def ready(self) -> bool:
        """Whether the backend answers."""
