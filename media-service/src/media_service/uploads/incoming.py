"""An uploaded file as it arrives: spooled to a temp file, hashed on the way, never held in memory."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from media_service.processing.sniff import SNIFF_BYTES


@dataclass
class IncomingFile:
    """One file of an upload; ``too_large`` once it passed the per-image limit (the rest is discarded)."""

    filename: str
    limit: int
    tmp_dir: Path | None = None
    size: int = 0
    too_large: bool = False
    head: bytes = b""
    _hash: Any = field(default_factory=hashlib.sha256)
    _file: IO[bytes] | None = None

    def write(self, data: bytes) -> None:
        """Append a chunk (a few hundred KB at most: small synchronous disk writes)."""
        self.size += len(data)
        if self.too_large:
            return
        if self.size > self.limit:
            self.too_large = True
            self.discard()
            return
        if len(self.head) < SNIFF_BYTES:
            self.head += data[: SNIFF_BYTES - len(self.head)]
        self._hash.update(data)
        if self._file is None:
            self._file = tempfile.TemporaryFile(dir=self.tmp_dir)  # noqa: SIM115 (lives until discard())
        self._file.write(data)

    @property
    def content_hash(self) -> str:
        digest: str = self._hash.hexdigest()
        return digest

    def reader(self) -> IO[bytes]:
        """The spooled file, rewound."""
        assert self._file is not None
        self._file.seek(0)
        return self._file

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
