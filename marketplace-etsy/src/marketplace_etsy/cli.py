"""``marketplace-etsy`` command: the kit's serve / migrate / create-db."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vitrine_kit.cli import service_cli

from marketplace_etsy.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``marketplace-etsy`` script."""
    from marketplace_etsy.main import SERVICE_DIR

    return service_cli(
        Settings, "marketplace_etsy.main:app", SERVICE_DIR, list(sys.argv[1:] if argv is None else argv)
    )


if __name__ == "__main__":
    sys.exit(main())
