"""``marketplace-vinted`` command: serve / migrate / create-db."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vitrine_kit.cli import service_cli

from marketplace_vinted.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``marketplace-vinted`` script."""
    from marketplace_vinted.main import SERVICE_DIR

    return service_cli(Settings, "marketplace_vinted.main:app", SERVICE_DIR, argv)


if __name__ == "__main__":
    sys.exit(main())
