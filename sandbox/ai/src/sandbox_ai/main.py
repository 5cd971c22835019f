"""``sandbox-ai``: serve the Gemini and OpenAI stand-in (port 8026 by default)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from sandbox_ai.app import create_app
from sandbox_ai.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sandbox-ai`` script."""
    parser = argparse.ArgumentParser(prog="sandbox-ai", description=__doc__)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--host", default=None)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = Settings()
    if args.port:
        settings.port = args.port
    if args.host:
        settings.host = args.host
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
