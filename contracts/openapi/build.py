"""Build the public API's OpenAPI document offline: each service's own, merged as the gateway merges them.

    uv run --frozen python contracts/openapi/build.py          # write contracts/openapi/vitrine.json
    uv run --frozen python contracts/openapi/build.py --check  # fail if the committed file is stale

Each service's app is imported and asked for ``openapi()``; nothing is started (no database, no broker).
The gateway's default upstream table says which services are public and under which prefix.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from gateway.config import Settings, Upstream
from gateway.openapi import merge_documents

OUTPUT = Path(__file__).with_name("vitrine.json")
TITLE = "Vitrine API"
VERSION = "1.0.0"


def module_of(upstream_name: str) -> str:
    """``catalog`` → ``catalog_service.main``; ``marketplace-ebay`` → ``marketplace_ebay.main``."""
    package = upstream_name.replace("-", "_")
    if not upstream_name.startswith("marketplace-"):
        package += "_service"
    return f"{package}.main"


def service_document(upstream_name: str) -> dict[str, Any]:
    """The OpenAPI document of one service, from its app object (built, never started)."""
    module = importlib.import_module(module_of(upstream_name))
    app = getattr(module, "app", None)
    if not isinstance(app, FastAPI):
        app = module.create_app()
    return app.openapi()


def build() -> dict[str, Any]:
    """The merged document, as ``GET /openapi.json`` on the gateway serves it when every service is up."""
    upstreams: dict[str, Upstream] = Settings.model_fields["upstreams"].get_default(call_default_factory=True)
    hidden = Settings.model_fields["blocked_upstream_prefixes"].get_default(call_default_factory=True)
    documents = {
        name: (upstream, service_document(name))
        for name, upstream in upstreams.items()
        if upstream.openapi_path
    }
    return merge_documents(documents, title=TITLE, version=VERSION, hidden_prefixes=tuple(hidden))


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="fail if the committed document is not current")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run python contracts/openapi/build.py and commit it", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is current")
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
