"""``notification-service`` command: ``serve`` (draining feed streams on shutdown), ``migrate``, ``create-db``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import uvicorn
from vitrine_kit.cli import service_cli
from vitrine_kit.logging import configure_logging

from notification_service.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``notification-service`` script."""
    from notification_service.main import SERVICE_DIR

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["serve"] or "--reload" in args:
        return service_cli(Settings, "notification_service.main:app", SERVICE_DIR, args)
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    from notification_service.server import DrainingServer

    config = uvicorn.Config(
        "notification_service.main:app",
        host=settings.host,
        port=settings.port,
        log_config=None,
        loop="uvloop",
        http="httptools",
        proxy_headers=True,
        timeout_graceful_shutdown=15,
    )
    DrainingServer(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
