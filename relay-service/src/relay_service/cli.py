"""``relay-service`` command: ``serve`` (no database, so ``migrate`` and ``create-db`` do nothing)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn
from vitrine_kit.logging import configure_logging

from relay_service.config import Settings
from relay_service.server import DrainingServer


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``relay-service`` script."""
    parser = argparse.ArgumentParser(prog="relay-service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve Socket.IO (namespace /plugin/v1) and /healthz /readyz /metrics")
    sub.add_parser("migrate", help="nothing to do: no database")
    sub.add_parser("create-db", help="nothing to do: no database")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command != "serve":
        return 0
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    from relay_service.main import app

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.drain_timeout_s) + 5,
    )
    DrainingServer(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
