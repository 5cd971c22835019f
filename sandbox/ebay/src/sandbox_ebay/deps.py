"""Dependencies of the sandbox routes: the world, the settings, the caller's token."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from sandbox_ebay.config import Settings
from sandbox_ebay.errors import invalid_token
from sandbox_ebay.state import AccessToken, Seller, World


def world_of(request: Request) -> World:
    world: World = request.app.state.world
    return world


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


WorldDep = Annotated[World, Depends(world_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


def _access(request: Request, world: WorldDep) -> AccessToken:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = world.access.get(token.strip()) if scheme.lower() == "bearer" else None
    if found is None or found.expires_at <= time.time():
        raise invalid_token()
    return found


def _seller(world: WorldDep, token: Annotated[AccessToken, Depends(_access)]) -> Seller:
    seller = world.sellers.get(token.user_id or "")
    if seller is None:  # an application token cannot act for a seller
        raise invalid_token()
    return seller


AppToken = Annotated[AccessToken, Depends(_access)]
CurrentSeller = Annotated[Seller, Depends(_seller)]
