"""``sandbox-stripe``: serve the Stripe stand-in (port 8025 by default)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from sandbox_stripe.app import create_app
from sandbox_stripe.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sandbox-stripe`` script."""
    parser = argparse.ArgumentParser(prog="sandbox-stripe", description=__doc__)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = Settings()
    if args.port:
        settings.port = args.port
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
