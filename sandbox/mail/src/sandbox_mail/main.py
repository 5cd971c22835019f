"""``mail-sink``: SMTP on port 1025, the page and JSON API on port 8027 (by default)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from sandbox_mail.app import create_app
from sandbox_mail.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mail-sink`` script."""
    parser = argparse.ArgumentParser(prog="mail-sink", description=__doc__)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--smtp-port", type=int, default=None)
    parser.add_argument("--host", default=None)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = Settings()
    settings.port = args.port or settings.port
    settings.smtp_port = args.smtp_port or settings.smtp_port
    settings.host = args.host or settings.host
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
