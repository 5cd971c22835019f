"""``gateway``: run the gateway on its own server (``server.py``), or on uvicorn (``GATEWAY_SERVER=uvicorn``)."""

from __future__ import annotations

import argparse

import uvicorn

from gateway import server
from gateway.config import Settings
from gateway.uvicorn_protocol import GatewayHttpProtocol


def main(argv: list[str] | None = None) -> None:
    """Serve the gateway; host, port and workers default to the settings (``GATEWAY_HOST``/``GATEWAY_PORT``)."""
    settings = Settings()
    parser = argparse.ArgumentParser(prog="gateway", description="Vitrine API gateway")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument(
        "--workers", type=int, default=settings.workers, help="processes, each with its own pools and caches"
    )
    args = parser.parse_args(argv)
    if settings.server == "native":
        server.run(settings, args.host, args.port, args.workers)
        return
    uvicorn.run(
        "gateway.main:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http=GatewayHttpProtocol,  # httptools, a response's head and body in one write
        lifespan="on",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_config=None,
        backlog=2048,
        timeout_keep_alive=round(settings.keep_alive_timeout_s),
        limit_concurrency=settings.max_connections or None,
    )


if __name__ == "__main__":
    main()
