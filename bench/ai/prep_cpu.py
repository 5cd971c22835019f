"""CPU of one photo preparation (decode, fit, JPEG encode) per role, with each resampling filter.

The photos are the benchmark's (``ai-service/tests/conftest.py``: 1800x1350 JPEGs, renditions made as
media-service does); each role starts from the rendition ai-service fetches for it. One thread, one after
another, ``time.process_time``. ``uv run --frozen python bench/ai/prep_cpu.py [--repeat 20]``
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import ROOT, table
from PIL import Image
from run import load

fakes = load("ai_service_test_fakes", ROOT / "ai-service" / "tests" / "conftest.py")

from ai_service.config import Settings  # noqa: E402
from ai_service.images.prep import DEFAULT_RESAMPLE, RESAMPLE, prepare_sync  # noqa: E402


def main(args: argparse.Namespace) -> None:
    source = Image.open(io.BytesIO(fakes.photo((120, 60, 90), mark=3)))
    renditions = {}
    for name, side in fakes.SIZES.items():
        copy = source.convert("RGB")
        copy.thumbnail((side, side))
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=85)
        renditions[f"{name}.jpg"] = out.getvalue()
    s = Settings()
    roles = {
        "photo": (s.photo_rendition, s.photo_max_side),
        "label": (s.label_rendition, s.label_max_side),
        "thumb": (s.thumb_rendition, s.thumb_max_side),
    }
    filters = [Image.Resampling.LANCZOS, Image.Resampling.BICUBIC, Image.Resampling.BILINEAR]
    rows = []
    for role, (rendition, side) in roles.items():
        data = renditions[rendition]
        width, height = Image.open(io.BytesIO(data)).size
        row: list[object] = [role, f"{rendition} {width}x{height} → {side}"]
        for resample in filters:
            start = time.process_time()
            for _ in range(args.repeat):
                prepare_sync(data, side, 100_000_000, resample)
            row.append(f"{(time.process_time() - start) / args.repeat * 1000:.1f}")
        row.append(RESAMPLE.get(role, DEFAULT_RESAMPLE).name.lower())
        rows.append(row)
    print(f"CPU ms per photo prepared ({args.repeat} each)")
    print(table(["role", "from", *[f.name.lower() for f in filters], "used"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    main(parser.parse_args())
