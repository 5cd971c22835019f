"""Listing photos for the image host: small PNGs drawn from their key, no imaging library needed."""

from __future__ import annotations

import hashlib
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def image_png(key: str, width: int = 480, height: int = 640) -> bytes:
    """A ``width`` x ``height`` RGB PNG: two bands of colours taken from ``key``'s hash (distinct photos)."""
    digest = hashlib.sha256(key.encode()).digest()
    top, bottom = digest[:3], digest[3:6]
    rows = b"".join(b"\x00" + (top if y < height // 2 else bottom) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 6))
        + _chunk(b"IEND", b"")
    )
