"""Generate the committed JSON Schemas of every event (``make contracts``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vitrine_contracts.envelope import Envelope
from vitrine_contracts.registry import EVENTS

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


def render_schemas() -> dict[str, str]:
    """Return ``{file name: JSON text}`` for every event's envelope schema."""
    out: dict[str, str] = {}
    for event_type, cls in sorted(EVENTS.items()):
        schema: dict[str, Any] = Envelope[cls].model_json_schema()  # type: ignore[valid-type]
        schema["$id"] = f"https://schemas.vitrine.app/events/{event_type}.v{cls.event_version}.json"
        schema["title"] = f"{event_type} v{cls.event_version}"
        schema["properties"]["type"]["const"] = event_type
        schema["properties"]["version"]["const"] = cls.event_version
        out[f"{event_type}.v{cls.event_version}.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the schemas; with ``--check``, exit 1 if the committed ones differ."""
    args = sys.argv[1:] if argv is None else argv
    rendered = render_schemas()
    existing = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")} if SCHEMA_DIR.exists() else {}
    if "--check" in args:
        if rendered != existing:
            drifted = sorted(
                set(rendered) ^ set(existing) | {k for k in rendered if existing.get(k) != rendered[k]}
            )
            print("contracts/schemas drifted; run `make contracts`: " + ", ".join(drifted))
            return 1
        return 0
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for stale in set(existing) - set(rendered):
        (SCHEMA_DIR / stale).unlink()
    for name, text in rendered.items():
        (SCHEMA_DIR / name).write_text(text)
    print(f"wrote {len(rendered)} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
