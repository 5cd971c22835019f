"""``marketplace-ebay`` command: the kit's serve / migrate / create-db."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vitrine_kit.cli import service_cli

from marketplace_ebay.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``marketplace-ebay`` script."""
    from marketplace_ebay.main import SERVICE_DIR

    return service_cli(
        Settings, "marketplace_ebay.main:app", SERVICE_DIR, list(sys.argv[1:] if argv is None else argv)
    )


if __name__ == "__main__":
    sys.exit(main())
