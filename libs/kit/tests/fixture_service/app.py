"""A minimal service built on the kit, used by the kit's own tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from vitrine_contracts import Event
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.db import held
from vitrine_kit.db.base import tenant_metadata
from vitrine_kit.db.deps import AppOutbox, TenantSession
from vitrine_kit.events.consumer import EventConsumer, Preparing
from vitrine_kit.scope import Scope
from vitrine_kit.settings import BaseServiceSettings

SERVICE_DIR = Path(__file__).parent


class TenantBase(DeclarativeBase):
    metadata = tenant_metadata()


class Marker(TenantBase):
    __tablename__ = "markers"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]


class Counter(TenantBase):
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[int]


class Ping(Event):
    event_type = "kittest.ping"
    name: str


class Boom(Event):
    event_type = "kittest.boom"
    name: str


class Command(Event):
    """A command addressed to one service: routed as ``kittest.command.<target>``."""

    event_type = "kittest.command"
    target: str
    name: str

    def routing_key(self) -> str:
        return f"{self.event_type}.{self.target}"


class MarkerIn(BaseModel):
    label: str = Field(min_length=1, max_length=100)


router = APIRouter()


@router.post("/markers", status_code=201)
async def add_marker(body: MarkerIn, session: TenantSession, principal: TenantPrincipal) -> dict[str, str]:
    session.add(Marker(label=body.label))
    return {"label": body.label}


@router.get("/markers")
async def list_markers(session: TenantSession) -> list[str]:
    return list((await session.execute(sa.select(Marker.label).order_by(Marker.id))).scalars())


@router.post("/pings/{name}", status_code=202)
async def emit_ping(
    name: str, session: TenantSession, principal: TenantPrincipal, outbox: AppOutbox, fail: bool = False
) -> dict[str, str]:
    outbox.add(session, Ping(name=name), tenant_id=principal.tenant_id)
    if fail:
        raise RuntimeError("rolled back on purpose")
    return {"name": name}


consumer: EventConsumer[Any] = EventConsumer("kittest.events")
failures: dict[str, int] = {}


async def bump(session: object, name: str) -> None:
    await session.execute(  # type: ignore[attr-defined]
        insert(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
    )


@consumer.on(Ping)
async def on_ping(ctx: Scope[Any], event: Ping) -> None:
    await bump(ctx.session, event.name)


@consumer.on(Command, bindings=("kittest.command.mine",))
async def on_command(ctx: Scope[Any], event: Command) -> None:
    await bump(ctx.session, event.name)


@router.post("/commands/{target}/{name}", status_code=202)
async def emit_command(
    target: str, name: str, session: TenantSession, principal: TenantPrincipal, outbox: AppOutbox
) -> dict[str, str]:
    outbox.add(session, Command(target=target, name=name), tenant_id=principal.tenant_id)
    return {"name": name}


@consumer.on(Boom)
async def on_boom(ctx: Scope[Any], event: Boom) -> None:
    failures[event.name] = failures.get(event.name, 0) + 1
    raise RuntimeError("this handler always fails")


class Fetch(Event):
    """Handled with a ``prepare`` step (as a call to another service would be); ``fail_prepare`` makes the
    first ``fail_prepare`` preparations fail, ``fail_handler`` the first transactions."""

    event_type = "kittest.fetch"
    name: str
    fail_prepare: int = 0
    fail_handler: int = 0


# Per event name: the connections held by each preparation (one entry per run), and the handler's failures.
preparations: dict[str, list[int]] = {}
handler_failures: dict[str, int] = {}


async def prepare_fetch(preparing: Preparing[Any], event: Fetch) -> str:
    runs = preparations.setdefault(event.name, [])
    runs.append(held.held())
    if len(runs) <= event.fail_prepare:
        raise RuntimeError("the other service is down")
    return f"{event.name}-fetched"


@consumer.on_prepared(Fetch, prepare_fetch)
async def on_fetch(ctx: Scope[Any], event: Fetch, fetched: str) -> None:
    await bump(ctx.session, fetched)
    if handler_failures.get(event.name, 0) < event.fail_handler:
        handler_failures[event.name] = handler_failures.get(event.name, 0) + 1
        raise RuntimeError("the transaction failed after its effects")


class Tick(Event):
    """Handled by a batchable consumer; ``poison`` makes its handler fail."""

    event_type = "kittest.tick"
    name: str
    poison: bool = False


batched: EventConsumer[Any] = EventConsumer("kittest.batched", batchable=True)
batch_sizes: list[int] = []


@batched.on(Tick)
async def on_tick(ctx: Scope[Any], event: Tick) -> None:
    if event.poison:
        raise RuntimeError("poisoned tick")
    await bump(ctx.session, event.name)


def make_app(settings: BaseServiceSettings, verifier: TokenVerifier):  # type: ignore[no-untyped-def]
    return create_service_app(
        settings,
        title="kit fixture",
        routers=[router],
        consumers=[consumer, batched],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )
