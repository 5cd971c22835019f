"""``/plugin/...``: pairing codes, pairing, devices."""

from __future__ import annotations

from fastapi import APIRouter, Response
from vitrine_kit.db.deps import SharedSession
from vitrine_kit.pagination import Cursor, Limit

from auth_service.deps import Auth, DeviceID, IntrospectCaller, UserPrincipal
from auth_service.plugin.schemas import DevicePage, DeviceStatusOut, PairIn, PairingCodeOut, PluginTokenOut
from auth_service.plugin.service import plugin_service
from auth_service.security.client_ip import ClientIP

router = APIRouter(prefix="/plugin", tags=["plugin"])


@router.post("/pairing-codes", status_code=201)
async def create_pairing_code(principal: UserPrincipal, session: SharedSession, auth: Auth) -> PairingCodeOut:
    """A short single-use code (10 min) for the seller to type into the plugin."""
    return await plugin_service.create_code(session, auth, principal)


@router.post("/pair")
async def pair(body: PairIn, session: SharedSession, auth: Auth, client_ip: ClientIP) -> PluginTokenOut:
    """The plugin trades a pairing code for its token (scope ``plugin``)."""
    return await plugin_service.pair(
        session, auth, code=body.code, device_name=body.device_name, client_ip=client_ip
    )


@router.get("/devices")
async def devices(
    principal: UserPrincipal, session: SharedSession, limit: Limit = 50, cursor: Cursor = None
) -> DevicePage:
    """The seller's paired devices, the latest first."""
    return await plugin_service.devices(session, principal, limit=limit, cursor=cursor)


@router.delete("/devices/{device_id}", status_code=204)
async def revoke_device(
    device_id: DeviceID, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> Response:
    """Revoke a device; its token is refused from now on."""
    await plugin_service.revoke(session, auth, principal, device_id)
    return Response(status_code=204)


@router.get("/devices/{device_id}/status")
async def device_status(device_id: DeviceID, _: IntrospectCaller, session: SharedSession) -> DeviceStatusOut:
    """Whether a device is still allowed (service token)."""
    return await plugin_service.status(session, device_id)
