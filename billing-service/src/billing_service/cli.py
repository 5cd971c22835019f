"""``billing-service`` command: the kit's serve / migrate / create-db."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vitrine_kit.cli import service_cli

from billing_service.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``billing-service`` script."""
    from billing_service.main import SERVICE_DIR

    return service_cli(
        Settings, "billing_service.main:app", SERVICE_DIR, list(sys.argv[1:] if argv is None else argv)
    )


if __name__ == "__main__":
    sys.exit(main())
