"""``auth-service`` command: the kit's serve / migrate / create-db, plus rotate-keys and create-client."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from vitrine_kit.cli import service_cli
from vitrine_kit.db.engine import Database

from auth_service.clients.service import client_service
from auth_service.config import Settings
from auth_service.keys.service import rotate_keys

OWN_COMMANDS = {"rotate-keys", "create-client"}


async def _rotate(settings: Settings) -> str:
    db = Database(settings.database_url.get_secret_value(), pool_size=1, max_overflow=0)
    try:
        async with db.session() as session, session.begin():
            return await rotate_keys(session, settings)
    finally:
        await db.dispose()


async def _create_client(settings: Settings, name: str, scopes: list[str]) -> str:
    db = Database(settings.database_url.get_secret_value(), pool_size=1, max_overflow=0)
    try:
        async with db.session() as session, session.begin():
            return await client_service.create(session, name, scopes)
    finally:
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``auth-service`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in OWN_COMMANDS:
        from auth_service.main import SERVICE_DIR

        return service_cli(Settings, "auth_service.main:app", SERVICE_DIR, args)
    parser = argparse.ArgumentParser(prog="auth-service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rotate-keys", help="make a new signing key active; the old one keeps verifying")
    create = sub.add_parser("create-client", help="create a service client and print its secret once")
    create.add_argument("name")
    create.add_argument("--scopes", nargs="*", default=[])
    parsed = parser.parse_args(args)
    settings = Settings()
    if parsed.command == "rotate-keys":
        print(f"new active key: {asyncio.run(_rotate(settings))}")
        return 0
    secret = asyncio.run(_create_client(settings, parsed.name, parsed.scopes))
    print(f"client_id={parsed.name}\nclient_secret={secret}\n(the secret is shown only once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
