"""``ai-service`` command: the kit's serve / migrate / create-db."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vitrine_kit.cli import service_cli

from ai_service.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ai-service`` script."""
    from ai_service.main import SERVICE_DIR

    return service_cli(
        Settings, "ai_service.main:app", SERVICE_DIR, list(sys.argv[1:] if argv is None else argv)
    )


if __name__ == "__main__":
    sys.exit(main())
