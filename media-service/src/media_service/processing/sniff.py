"""Recognising an image by its first bytes, whatever its name or declared type says."""

from __future__ import annotations

from enum import StrEnum

# ISO-BMFF brands of HEIF still images (iPhone and Android photos).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
SNIFF_BYTES = 32


class SourceFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    HEIC = "heic"

    @property
    def pillow_format(self) -> str:
        """The only Pillow decoder allowed to open this file."""
        return {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}[self.value]


def sniff(head: bytes) -> SourceFormat | None:
    """The image format of a file starting with ``head``, or None when it is none we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return SourceFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return SourceFormat.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return SourceFormat.WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return SourceFormat.HEIC
    return None
