"""From an uploaded file to a clean original and its derivatives, all without metadata.

Runs in a worker thread. The header is read first (Pillow's lazy open) so that a file declaring too many
pixels is refused before a single pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pillow_heif
from PIL import Image, ImageCms, ImageOps

from media_service.processing.errors import ImageUnreadable, TooManyPixels
from media_service.processing.sniff import SourceFormat

pillow_heif.register_heif_opener()

# name → longest side in pixels; each is made from the one before it (cascading keeps resizes cheap).
DERIVATIVES: tuple[tuple[str, int], ...] = (("large", 1600), ("medium", 1024), ("thumb", 320))
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}
_SRGB = ImageCms.createProfile("sRGB")
# Settings chosen by measurement in bench/media (README there), each without a visible loss.
# A box reduce() by 2 before Lanczos when the scale is ≥ 2.5x: 12 MP → large in half the time, 47 dB.
REDUCING_GAP = 1.25
# WebP method 2 encodes in half the time of 4 at the same PSNR, for ~5% more bytes.
WEBP_METHOD = 2


@dataclass(frozen=True)
class Quality:
    """Encoder settings."""

    jpeg: int = 85
    webp: int = 80
    original: int = 95


@dataclass(frozen=True)
class Rendition:
    """One stored file: the original or a derivative in one format."""

    name: str  # original | large | medium | thumb
    format: str  # jpeg | png | webp
    width: int
    height: int
    bytes: int
    path: Path

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


@dataclass(frozen=True)
class ProcessedImage:
    width: int
    height: int
    original: Rendition
    derivatives: list[Rendition]


def configure_limits(max_pixels: int) -> None:
    """Pillow refuses outright (``DecompressionBombError``) anything past twice this many pixels."""
    Image.MAX_IMAGE_PIXELS = max_pixels


def _open_checked(source: BinaryIO, fmt: SourceFormat, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source, formats=[fmt.pillow_format])
    except Image.DecompressionBombError as exc:
        raise TooManyPixels(f"The image declares more than {max_pixels:,} pixels.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageUnreadable(f"The {fmt.value.upper()} file could not be read.") from exc
    width, height = image.size
    if width * height > max_pixels or width < 1 or height < 1:
        raise TooManyPixels(
            f"The image is {width}x{height} ({width * height:,} pixels); the limit is {max_pixels:,}."
        )
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Bake the embedded colour profile into sRGB pixels, so it can be dropped with the rest."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _decode_clean(source: BinaryIO, fmt: SourceFormat, max_pixels: int) -> Image.Image:
    """Decoded, upright, sRGB, RGB or RGBA pixels, with no metadata left on the image."""
    image = _open_checked(source, fmt, max_pixels)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageUnreadable(f"The {fmt.value.upper()} file is corrupt or truncated.") from exc
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if has_alpha else "RGB"
    if upright.mode != mode:
        converted = upright.convert(mode)
        converted.info["icc_profile"] = upright.info.get("icc_profile")
        upright = converted
    clean = _to_srgb(upright)
    # Nothing of the source survives: no EXIF (GPS, camera), XMP, ICC, comments or text chunks.
    clean.info = {}
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite on white, as the marketplaces show it."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _fit(image: Image.Image, longest: int) -> Image.Image:
    """Scaled down so the longest side is ``longest``; never scaled up."""
    width, height = image.size
    if max(width, height) <= longest:
        return image
    scale = longest / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


def _save(
    image: Image.Image, name: str, fmt: str, out_dir: Path, quality: Quality, *, original: bool
) -> Rendition:
    path = out_dir / f"{name}.{EXTENSIONS[fmt]}"
    if fmt == "jpeg" and original:
        # Baseline, not progressive: the private original is read whole by adapters; progressive cost 6x.
        _flatten(image).save(path, "JPEG", quality=quality.original, subsampling=0)
    elif fmt == "jpeg":
        # Baseline with optimised Huffman tables: marketplaces re-encode, so progressive buys nothing.
        _flatten(image).save(path, "JPEG", quality=quality.jpeg, subsampling=2, optimize=True)
    elif fmt == "webp":
        q = quality.original if original else quality.webp
        image.save(path, "WEBP", quality=q, method=WEBP_METHOD)
    else:
        image.save(path, "PNG", compress_level=6)
    return Rendition(name, fmt, image.width, image.height, path.stat().st_size, path)


def _original_format(fmt: SourceFormat) -> str:
    # HEIC becomes JPEG: no marketplace or browser takes HEIC everywhere.
    return {"png": "png", "webp": "webp"}.get(fmt.value, "jpeg")


def process(
    source: BinaryIO, fmt: SourceFormat, out_dir: Path, *, max_pixels: int, quality: Quality
) -> ProcessedImage:
    """Check, decode, orient, strip; write the clean original and every derivative to ``out_dir``."""
    image = _decode_clean(source, fmt, max_pixels)
    original = _save(image, "original", _original_format(fmt), out_dir, quality, original=True)
    derivatives: list[Rendition] = []
    current = image
    for name, longest in DERIVATIVES:
        current = _fit(current, longest)
        derivatives.append(_save(current, name, "jpeg", out_dir, quality, original=False))
        derivatives.append(_save(current, name, "webp", out_dir, quality, original=False))
    return ProcessedImage(image.width, image.height, original, derivatives)
