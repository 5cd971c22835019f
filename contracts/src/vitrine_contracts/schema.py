"""Generate the committed JSON Schemas of every event and relay message (``make contracts``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vitrine_contracts.envelope import Envelope
from vitrine_contracts.registry import EVENTS
from vitrine_contracts.relay import v1 as relay_v1

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
RELAY_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "relay" / "schemas"


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


def render_relay_schemas() -> dict[str, str]:
    """Return ``{file name: JSON text}`` for every message of the relay protocol (v1)."""
    out: dict[str, str] = {}
    for name, (model, direction) in sorted(relay_v1.MESSAGES.items()):
        schema: dict[str, Any] = model.model_json_schema()
        schema["$id"] = f"https://schemas.vitrine.app/relay/v{relay_v1.PROTOCOL_VERSION}/{name}.json"
        schema["title"] = f"{name} (relay v{relay_v1.PROTOCOL_VERSION})"
        schema["x-direction"] = direction
        out[f"v{relay_v1.PROTOCOL_VERSION}.{name}.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def _sync(directory: Path, rendered: dict[str, str], check: bool) -> list[str]:
    """Compare (``check``) or write ``rendered`` into ``directory``; returns the drifted file names."""
    existing = {p.name: p.read_text() for p in directory.glob("*.json")} if directory.exists() else {}
    drifted = sorted(set(rendered) ^ set(existing) | {k for k in rendered if existing.get(k) != rendered[k]})
    if not check:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in set(existing) - set(rendered):
            (directory / stale).unlink()
        for name, text in rendered.items():
            (directory / name).write_text(text)
    return drifted


def main(argv: list[str] | None = None) -> int:
    """Write the schemas; with ``--check``, exit 1 if the committed ones differ."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    drifted = _sync(SCHEMA_DIR, render_schemas(), check) + _sync(
        RELAY_SCHEMA_DIR, render_relay_schemas(), check
    )
    if check:
        if drifted:
            print("contracts/schemas drifted; run `make contracts`: " + ", ".join(drifted))
            return 1
        return 0
    print(f"wrote schemas to {SCHEMA_DIR} and {RELAY_SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
