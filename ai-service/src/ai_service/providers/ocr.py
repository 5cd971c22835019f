"""Text on a photo, read by Tesseract's command line: in a subprocess, off the event loop, with a timeout.

Tesseract is an OS package (``deploy/local/ensure-infra.sh`` installs it locally, the fleet table puts it
in ai-service's image). Where it is missing, times out or fails, ``read`` says so in its status and gives
no text; it never raises for those, so that a caller can fall back to what it sees without text.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
from dataclasses import dataclass, field
from enum import StrEnum

from PIL import Image, ImageFilter, ImageOps, ImageStat

logger = logging.getLogger(__name__)

LANGUAGES = ("eng", "fra", "deu", "ita", "spa")
MIN_SIDE_FOR_OCR = 1400  # smaller photos are upscaled 2x: Tesseract reads letters of 20-40 px best
EDGE_LEVEL = 60  # a greyscale step this large between neighbours is an edge (text is dense in them)


class OcrStatus(StrEnum):
    READ = "read"
    ABSENT = "absent"  # no tesseract binary
    TIMEOUT = "timeout"
    FAILED = "failed"  # it ran and exited with an error


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # Tesseract's own, 0-1
    line: int  # words of one printed line share it


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else 0.0


@dataclass(frozen=True)
class OcrResult:
    status: OcrStatus
    lines: tuple[Line, ...] = ()
    detail: str = ""

    @property
    def words(self) -> int:
        return sum(len(line.words) for line in self.lines)


@dataclass(frozen=True)
class TsvRow:
    key: tuple[int, int, int, int]  # page, block, paragraph, line
    confidence: float
    text: str


def parse_tsv(tsv: str) -> tuple[Line, ...]:
    """Tesseract's ``tsv`` output as lines of words (level-5 rows with text), in reading order."""
    rows: list[TsvRow] = []
    for raw in tsv.splitlines()[1:]:
        cells = raw.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            key = (int(cells[1]), int(cells[2]), int(cells[3]), int(cells[4]))
            confidence = max(0.0, min(100.0, float(cells[10]))) / 100
        except ValueError:
            continue
        rows.append(TsvRow(key, confidence, cells[11].strip()))
    keys = list(dict.fromkeys(r.key for r in rows))
    return tuple(
        Line(tuple(Word(r.text, r.confidence, n) for r in rows if r.key == key)) for n, key in enumerate(keys)
    )


def prepare_for_ocr(data: bytes, angle: float = 0.0) -> bytes:
    """The photo as Tesseract reads it best: greyscale, contrast stretched, upscaled when small, PNG.

    ``angle`` turns it first (degrees, counter-clockwise): Tesseract reads lines skewed by more than a few
    degrees poorly, so a caller that got little text may try again turned.
    """
    image = ImageOps.autocontrast(ImageOps.grayscale(Image.open(io.BytesIO(data))), cutoff=1)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if max(image.size) < MIN_SIDE_FOR_OCR:
        image = image.resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def text_likeness(data: bytes) -> float:
    """The share of strong edges in a small greyscale copy: high on printed text, low on cloth or backdrop.

    A cheap stand-in for "the photo with the most text" when none is marked as the label.
    """
    try:
        image = ImageOps.grayscale(Image.open(io.BytesIO(data)))
        image.thumbnail((256, 256))
    except (OSError, ValueError):  # not an image Pillow opens: no text to be seen
        return 0.0
    edges = image.filter(ImageFilter.FIND_EDGES).point(lambda v: 255 if v >= EDGE_LEVEL else 0)
    return float(ImageStat.Stat(edges).mean[0]) / 255


@dataclass
class TesseractReader:
    """Runs ``tesseract`` on one photo at a time; ``binary`` None looks it up on PATH."""

    binary: str | None = None
    timeout_s: float = 30.0
    languages: tuple[str, ...] = LANGUAGES
    _installed: tuple[str, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.binary is None:
            self.binary = shutil.which("tesseract")

    @property
    def available(self) -> bool:
        return bool(self.binary) and os.access(str(self.binary), os.X_OK)

    async def _run(self, *args: str, stdin: bytes = b"") -> tuple[int, bytes, bytes]:
        assert self.binary is not None
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per read: the machine is shared
        proc = await asyncio.create_subprocess_exec(
            self.binary,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(stdin), self.timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        return proc.returncode or 0, out, err

    async def _languages(self) -> str:
        if self._installed is None:
            code, out, _ = await self._run("--list-langs")
            listed = set(out.decode(errors="replace").split()) if code == 0 else set()
            self._installed = tuple(lang for lang in self.languages if lang in listed)
        return "+".join(self._installed or ("eng",))

    async def read(self, data: bytes, angle: float = 0.0) -> OcrResult:
        """The text of the photo ``data`` (any format Pillow opens) turned by ``angle``, or why there is none."""
        if not self.available:
            return OcrResult(OcrStatus.ABSENT, detail="tesseract is not installed")
        try:
            png = await asyncio.to_thread(prepare_for_ocr, data, angle)
            code, out, err = await self._run(
                "stdin", "stdout", "-l", await self._languages(), "tsv", stdin=png
            )
        except TimeoutError:
            return OcrResult(OcrStatus.TIMEOUT, detail=f"tesseract took longer than {self.timeout_s:g} s")
        except OSError as exc:  # the image did not decode, or the binary could not be started
            return OcrResult(OcrStatus.FAILED, detail=str(exc))
        if code != 0:
            message = err.decode(errors="replace").strip().splitlines()
            return OcrResult(
                OcrStatus.FAILED, detail=f"tesseract exited {code}: {message[-1] if message else ''}"
            )
        return OcrResult(OcrStatus.READ, parse_tsv(out.decode(errors="replace")))
