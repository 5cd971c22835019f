"""Dependencies of the routes: the world, the settings, the caller's OAuth token and its seller."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from sandbox_etsy.config import Settings
from sandbox_etsy.errors import EtsyError, OAuthError, forbidden, not_found
from sandbox_etsy.state import AccessToken, Seller, World


def world_of(request: Request) -> World:
    world: World = request.app.state.world
    return world


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


WorldDep = Annotated[World, Depends(world_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


def bearer(request: Request, world: World) -> AccessToken | None:
    """The request's access token, ``None`` without an Authorization header; 401 when it is bad."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    found = world.access.get(token.strip()) if scheme.lower() == "bearer" else None
    if found is None or found.revoked:
        raise OAuthError(401, "invalid_token", "access token is invalid")
    if found.expires_at <= time.time():
        raise OAuthError(401, "invalid_token", "access token is expired")
    return found


def requires(scope: str) -> Callable[[Request, World], Seller]:
    """A dependency: the seller behind a valid bearer token that holds ``scope``."""

    def dependency(request: Request, world: WorldDep) -> Seller:
        token = bearer(request, world)
        if token is None:
            raise EtsyError(
                401, "Missing OAuth token: this endpoint requires an Authorization: Bearer header."
            )
        if scope not in token.scopes:
            raise forbidden(f"Insufficient scope: this endpoint requires the {scope} scope.")
        seller = world.sellers.get(token.user_id)
        if seller is None:
            raise OAuthError(401, "invalid_token", "access token is invalid")
        return seller

    return dependency


def owned_shop(seller: Seller, world: World, shop_id: int) -> Seller:
    """The shop of the path, which must be the token's own (404 unknown, 403 someone else's)."""
    shop = world.shop(shop_id)
    if shop is None:
        raise not_found(f"Shop {shop_id} was not found.")
    if shop.user_id != seller.user_id:
        raise forbidden("The OAuth token does not give access to this shop.")
    return shop


def optional_user(request: Request, world: WorldDep) -> Seller | None:
    """The seller of a bearer token when one is sent (public endpoints show owners more)."""
    token = bearer(request, world)
    return world.sellers.get(token.user_id) if token else None


ListingsR = Annotated[Seller, Depends(requires("listings_r"))]
ListingsW = Annotated[Seller, Depends(requires("listings_w"))]
ListingsD = Annotated[Seller, Depends(requires("listings_d"))]
ShopsR = Annotated[Seller, Depends(requires("shops_r"))]
ShopsW = Annotated[Seller, Depends(requires("shops_w"))]
EmailR = Annotated[Seller, Depends(requires("email_r"))]
TransactionsR = Annotated[Seller, Depends(requires("transactions_r"))]
TransactionsW = Annotated[Seller, Depends(requires("transactions_w"))]
MaybeUser = Annotated[Seller | None, Depends(optional_user)]
