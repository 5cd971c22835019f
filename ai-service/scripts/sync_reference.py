"""Copy catalog-service's committed reference data (values and brands) into ai-service's package.

    uv run --frozen python ai-service/scripts/sync_reference.py          # copy
    uv run --frozen python ai-service/scripts/sync_reference.py --check  # exit 1 when the copy is stale

ai-service builds its prompts and response schemas from catalog's reference data. The data changes only
with a catalog release (a migration seeds it from these files), so ai-service ships a copy taken at build
time instead of calling catalog at run time; ``tests/reference`` fails when the copy drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "catalog-service" / "src" / "catalog_service" / "reference" / "data"
TARGET = ROOT / "ai-service" / "src" / "ai_service" / "reference" / "data"
FILES = ("values.json", "brands.json")


def stale() -> list[str]:
    """The files whose copy differs from catalog's."""
    return [
        name
        for name in FILES
        if not (TARGET / name).exists() or (TARGET / name).read_bytes() != (SOURCE / name).read_bytes()
    ]


def main(argv: list[str]) -> int:
    drifted = stale()
    if "--check" in argv:
        for name in drifted:
            print(f"stale: {TARGET / name} (run ai-service/scripts/sync_reference.py)")
        return 1 if drifted else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in drifted:
        (TARGET / name).write_bytes((SOURCE / name).read_bytes())
        print(f"copied {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
