"""Media benchmark: one 12 MP phone JPEG → clean original + 6 derivatives, Pillow beside pyvips, one core.

Every pipeline does what media-service does for an upload: apply the EXIF orientation, write a metadata-free
original (JPEG q95 4:4:4) and large 1600 / medium 1024 / thumb 320 px (longest side) as JPEG q85 and WebP
q80. Pipelines are timed in interleaved rounds (naive, service, pyvips, …) so that load from other work on
the machine falls on all of them alike; figures are medians. Prints one table: per-image p50/p95, images/s,
the ratio of p50 to pyvips', the derivatives' bytes, and PSNR/SSIM of each derivative against a careful
reference (Lanczos from the full-precision decode, no reduce()).
"""

from __future__ import annotations

import os

# One core, one thread each: set before pyvips (libvips reads it when it starts).
os.environ["VIPS_CONCURRENCY"] = "1"

import argparse
import io
import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyvips
from PIL import Image, ImageDraw, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import median, percentile, table
from media_service.processing.pipeline import DERIVATIVES, Quality, process
from media_service.processing.sniff import SourceFormat

WIDTH, HEIGHT = 4000, 3000  # as the sensor stores it; EXIF orientation 6 makes it 3000x4000 upright
ORIENTATION_RIGHT_TOP = 6  # the usual tag of a phone held upright
Q_JPEG, Q_WEBP, Q_ORIGINAL = Quality().jpeg, Quality().webp, Quality().original

Pipeline = Callable[[bytes, Path], None]


def make_photo(seed: int = 20240611) -> bytes:
    """A deterministic photo-like 12 MP JPEG: smooth light, textures at three scales, hard edges, grain."""
    rng = random.Random(seed)
    size = (WIDTH, HEIGHT)
    gradient = Image.linear_gradient("L")
    image = Image.merge(
        "RGB",
        [gradient.resize(size), Image.radial_gradient("L").resize(size), gradient.rotate(90).resize(size)],
    )
    for cells, weight in ((8, 0.4), (40, 0.15), (200, 0.08)):  # clouds, fabric, fine texture
        w, h = cells * 4 // 3, cells
        noise = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
        image = Image.blend(image, noise.resize(size, Image.Resampling.BICUBIC), weight)
    draw = ImageDraw.Draw(image)
    for _ in range(60):  # objects with outlines: the edges that ringing and blur show on
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randrange(40, 600)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            box = (x - r, y - r // 2, x + r, y + r // 2)
            draw.ellipse(box, fill=colour, outline=(0, 0, 0), width=rng.randrange(1, 8))
        else:
            draw.polygon(
                [(x + rng.randrange(-r, r), y + rng.randrange(-r, r)) for _ in range(5)], fill=colour
            )
    for _ in range(400):  # thin lines: stitching, labels, hair
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        end = (x + rng.randrange(-200, 200), y + rng.randrange(-200, 200))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.line((x, y, *end), fill=colour, width=rng.randrange(1, 4))
    image = image.filter(ImageFilter.GaussianBlur(1.2))  # a lens is never perfectly sharp
    grain = Image.frombytes("L", size, rng.randbytes(WIDTH * HEIGHT)).convert("RGB")
    image = Image.blend(image, grain, 0.06)  # sensor noise
    exif = Image.Exif()
    exif[0x0112] = ORIENTATION_RIGHT_TOP
    exif[0x010F] = "Vitrine bench"  # camera make: metadata that must not survive
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def _box(image: Image.Image, longest: int) -> tuple[int, int]:
    scale = min(1.0, longest / max(image.size))
    return max(1, round(image.width * scale)), max(1, round(image.height * scale))


def naive_pillow(data: bytes, out: Path) -> None:
    """The first version anyone writes: full decode, each size straight from it, encoder defaults."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image.save(out / "original.jpg", "JPEG", quality=Q_ORIGINAL, subsampling=0)
    for name, longest in DERIVATIVES:
        derivative = image.resize(_box(image, longest), Image.Resampling.LANCZOS)
        derivative.save(out / f"{name}.jpg", "JPEG", quality=Q_JPEG)
        derivative.save(out / f"{name}.webp", "WEBP", quality=Q_WEBP)


def media_service(data: bytes, out: Path) -> None:
    """media-service's own function, as the upload endpoint calls it."""
    process(io.BytesIO(data), SourceFormat.JPEG, out, max_pixels=40_000_000, quality=Quality())


def _vips_decode_once(effort: int, optimize: bool) -> Pipeline:
    def run(data: bytes, out: Path) -> None:
        # One full decode (the original needs every pixel), then each size from the one before it.
        image = pyvips.Image.new_from_buffer(data, "").autorot().copy_memory()
        image.jpegsave(str(out / "original.jpg"), Q=Q_ORIGINAL, subsample_mode="off", keep="none")
        for name, longest in DERIVATIVES:
            image = image.thumbnail_image(longest, height=longest, size="down").copy_memory()
            image.jpegsave(str(out / f"{name}.jpg"), Q=Q_JPEG, optimize_coding=optimize, keep="none")
            image.webpsave(str(out / f"{name}.webp"), Q=Q_WEBP, effort=effort, keep="none")

    return run


def _vips_shrink_on_load(data: bytes, out: Path) -> None:
    """libvips' usual idiom: the original streamed, each derivative from the file with shrink-on-load."""
    original = pyvips.Image.new_from_buffer(data, "").autorot()
    original.jpegsave(str(out / "original.jpg"), Q=Q_ORIGINAL, subsample_mode="off", keep="none")
    for name, longest in DERIVATIVES:
        derivative = pyvips.Image.thumbnail_buffer(data, longest, height=longest, size="down").copy_memory()
        derivative.jpegsave(str(out / f"{name}.jpg"), Q=Q_JPEG, keep="none")
        derivative.webpsave(str(out / f"{name}.webp"), Q=Q_WEBP, keep="none")


PIPELINES: dict[str, Pipeline] = {
    "Pillow, naive": naive_pillow,
    "media-service (Pillow)": media_service,
    "pyvips, decode once + cascade": _vips_decode_once(effort=4, optimize=False),
    "pyvips, shrink-on-load per size": _vips_shrink_on_load,
    "pyvips, decode once, service's encoders": _vips_decode_once(effort=2, optimize=True),
}
# The ratio is to the faster of the two pyvips pipelines at libvips' default encoder settings.
BASELINES = ("pyvips, decode once + cascade", "pyvips, shrink-on-load per size")


def _to_vips(image: Image.Image) -> pyvips.Image:
    rgb = image.convert("RGB")
    return pyvips.Image.new_from_memory(rgb.tobytes(), rgb.width, rgb.height, 3, "uchar")


def references(data: bytes) -> dict[str, pyvips.Image]:
    """Full decode, upright, one Lanczos resize per size from it, no reduce(): the careful result."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    return {
        name: _to_vips(image.resize(_box(image, longest), Image.Resampling.LANCZOS))
        for name, longest in DERIVATIVES
    }


def psnr(a: pyvips.Image, b: pyvips.Image) -> float:
    diff = a.cast("float") - b.cast("float")
    mse = float((diff * diff).avg())
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def ssim(a: pyvips.Image, b: pyvips.Image) -> float:
    """Mean SSIM of the luma, Gaussian window sigma 1.5 (Wang et al. 2004)."""
    x, y = (i.colourspace("b-w").extract_band(0).cast("float") for i in (a, b))

    def blur(i: pyvips.Image) -> pyvips.Image:
        return i.gaussblur(1.5, precision="float")

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    index = (mx * my * 2 + c1) * (sxy * 2 + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(index.avg())


def quality_cells(out: Path, refs: dict[str, pyvips.Image]) -> list[str]:
    """Per size: PSNR dB / SSIM of the JPEG, then of the WebP, against the reference."""
    cells = []
    for name, _ in DERIVATIVES:
        ref = refs[name]
        parts = []
        for ext in ("jpg", "webp"):
            got = pyvips.Image.new_from_file(str(out / f"{name}.{ext}"), access="random")
            if (got.width, got.height) != (ref.width, ref.height):
                parts.append(f"{got.width}x{got.height}?")
                continue
            parts.append(f"{psnr(ref, got):.1f}/{ssim(ref, got):.3f}")
        cells.append("  ".join(parts))
    return cells


def derivative_kb(out: Path) -> int:
    return round(
        sum((out / f"{n}.{e}").stat().st_size for n, _ in DERIVATIVES for e in ("jpg", "webp")) / 1024
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed images per pipeline")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--cpu", type=int, default=0, help="the one core to pin to")
    args = parser.parse_args()

    os.sched_setaffinity(0, {args.cpu})  # per-core figures: the process may only run on this core
    pyvips.cache_set_max(0)  # no reuse of a previous round's results across identical calls
    data = make_photo()
    refs = references(data)
    scratch = Path(tempfile.mkdtemp(prefix="vitrine-bench-media-"))
    outs = {name: scratch / str(i) for i, name in enumerate(PIPELINES)}
    for path in outs.values():
        path.mkdir()
    times: dict[str, list[float]] = {name: [] for name in PIPELINES}
    try:
        for round_no in range(args.warmup + args.rounds):
            for name, pipeline in PIPELINES.items():  # interleaved: noise from other work hits all alike
                started = time.perf_counter()
                pipeline(data, outs[name])
                elapsed = (time.perf_counter() - started) * 1000
                if round_no >= args.warmup:
                    times[name].append(elapsed)
        base = min(median(times[name]) for name in BASELINES)
        rows = []
        for name in PIPELINES:
            ms = times[name]
            rows.append(
                [
                    name,
                    f"{median(ms):.0f}",
                    f"{percentile(ms, 95):.0f}",
                    f"{1000 / median(ms):.2f}",
                    f"{median(ms) / base:.2f}",
                    derivative_kb(outs[name]),
                    *quality_cells(outs[name], refs),
                ]
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"12 MP JPEG ({WIDTH}x{HEIGHT}, EXIF orientation {ORIENTATION_RIGHT_TOP}, {len(data) / 1e6:.1f} MB) → "
        f"original + {len(DERIVATIVES) * 2} derivatives; core {args.cpu}, {args.rounds} interleaved rounds, "
        f"Pillow {Image.__version__}, libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"
    )
    headers = ["pipeline", "p50 ms", "p95 ms", "images/s", "ratio to pyvips", "derivs KB"]
    headers += [f"{n} dB/SSIM jpg  webp" for n, _ in DERIVATIVES]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
