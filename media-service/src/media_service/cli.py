"""``media-service`` command: the kit's serve / migrate / create-db, and ``check-storage [--repair]``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vitrine_kit.cli import Command, service_cli

from media_service.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``media-service`` script."""
    from media_service import integrity
    from media_service.main import SERVICE_DIR

    check = Command(
        help="check every image's files in storage; --repair remakes derivatives and drops images whose "
        "original is gone",
        run=lambda settings, args: integrity.run(settings, args.repair),
        arguments=lambda parser: parser.add_argument("--repair", action="store_true"),
    )
    return service_cli(
        Settings,
        "media_service.main:app",
        SERVICE_DIR,
        list(sys.argv[1:] if argv is None else argv),
        commands={"check-storage": check},
    )


if __name__ == "__main__":
    sys.exit(main())
