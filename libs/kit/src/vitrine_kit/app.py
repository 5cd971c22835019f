"""``create_service_app``: one call wires settings, logs, errors, metrics, database, events and auth."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic.migration import MigrationContext
from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from vitrine_contracts.identity import TenantCreated, TenantDeleted

from vitrine_kit.auth.jwt import TokenVerifier, verifier_from_settings
from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.db.base import SHARED_SCHEMA
from vitrine_kit.db.engine import Database, database_from_settings
from vitrine_kit.db.migrations import KIT_TREE, KIT_VERSION_TABLE, VERSION_TABLE, MigrationTrees, head_of
from vitrine_kit.db.tenancy import TenantRegistry
from vitrine_kit.docs import install_docs
from vitrine_kit.errors import install_error_handlers
from vitrine_kit.events.broker import Broker, broker_from_settings
from vitrine_kit.events.consumer import ConsumerRunner, EventConsumer, EventContext
from vitrine_kit.events.depths import DEPTHS_EVERY_S, measure_depths
from vitrine_kit.events.outbox import Outbox
from vitrine_kit.events.relay import OutboxRelay
from vitrine_kit.idempotency import make_idempotent, purge_loop
from vitrine_kit.logging import configure_logging
from vitrine_kit.loops import BackgroundLoop, LoopSupervisor
from vitrine_kit.metrics import ServiceMetrics
from vitrine_kit.middleware import ForwardedHeadersMiddleware, RequestContextMiddleware
from vitrine_kit.openapi import install_problem_openapi, operation_id_for, service_prefix
from vitrine_kit.ops import ops_router
from vitrine_kit.settings import BaseServiceSettings, RunMode
from vitrine_kit.tracing import configure_tracing

logger = logging.getLogger(__name__)
S = TypeVar("S", bound=BaseServiceSettings)
C = TypeVar("C", bound=ServiceContext[Any])


@dataclass
class ServiceRuntime:
    """Everything the lifespan owns; reachable as ``app.state.runtime`` (the service's own parts are in
    ``context``, also ``app.state.context``)."""

    settings: BaseServiceSettings
    metrics: ServiceMetrics
    db: Database
    broker: Broker
    outbox: Outbox
    verifier: TokenVerifier
    trees: MigrationTrees | None
    context: ServiceContext[Any]
    loops: LoopSupervisor
    tenants: TenantRegistry | None = None
    relay: OutboxRelay | None = None  # the home database's (the first of ``relays``)
    relays: list[OutboxRelay] = field(default_factory=list)
    runners: list[ConsumerRunner] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


ContextFactory = Callable[[Kit[S]], Awaitable[C]]


async def base_context(kit: Kit[Any]) -> ServiceContext[Any]:
    """The context of a service that needs nothing beyond the kit's parts."""
    return ServiceContext(**ServiceContext.parts(kit))


def tenant_lifecycle_consumer(service: str, tenants: TenantRegistry) -> EventConsumer[Any]:
    """The consumer every service with tenant data runs: provision on create, drop on delete."""
    consumer: EventConsumer[Any] = EventConsumer(f"{service}.tenants")

    @consumer.on_shared(TenantCreated)
    async def on_created(ctx: EventContext[Any], event: TenantCreated) -> None:
        await tenants.provision(event.tenant_id)

    @consumer.on_shared(TenantDeleted)
    async def on_deleted(ctx: EventContext[Any], event: TenantDeleted) -> None:
        await tenants.drop(event.tenant_id)

    return consumer


async def _readiness(runtime: ServiceRuntime) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for name, engine in runtime.db.engines.items():
        # One database: the checks keep their names; more: one pair per database ("database.b"…).
        suffix = f".{name}" if runtime.db.sharded else ""
        checks.update(await _database_checks(engine, runtime.trees, suffix))
    checks["broker"] = "ok" if runtime.broker.connected else "unreachable"
    return checks


async def _database_checks(engine: AsyncEngine, trees: MigrationTrees | None, suffix: str) -> dict[str, Any]:
    """Reachable, and its ``shared`` (kit and service trees) at head."""
    checks: dict[str, Any] = {}
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.select(1))
            checks[f"database{suffix}"] = "ok"
            if trees is not None:

                def revisions(sync_conn: Any) -> tuple[str | None, str | None]:
                    kit = MigrationContext.configure(
                        sync_conn,
                        opts={"version_table": KIT_VERSION_TABLE, "version_table_schema": SHARED_SCHEMA},
                    ).get_current_revision()
                    own = MigrationContext.configure(
                        sync_conn,
                        opts={"version_table": VERSION_TABLE, "version_table_schema": SHARED_SCHEMA},
                    ).get_current_revision()
                    return kit, own

                kit_rev, own_rev = await conn.run_sync(revisions)
                at_head = kit_rev == head_of(KIT_TREE) and own_rev == head_of(trees.shared)
                checks[f"migrations{suffix}"] = (
                    "ok" if at_head else f"behind (shared at {own_rev}, kit at {kit_rev})"
                )
    except Exception as exc:
        checks.setdefault(f"database{suffix}", f"unreachable: {type(exc).__name__}")
    return checks


def create_service_app(
    settings: S,
    *,
    title: str,
    version: str = "0.1.0",
    description: str = "",
    context: ContextFactory[S, C] | None = None,
    routers: Sequence[APIRouter] = (),
    consumers: Sequence[EventConsumer[C]] = (),
    loops: Sequence[BackgroundLoop[C]] = (),
    service_dir: Path | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """The FastAPI app of a service.

    ``context`` builds the service's typed context from the kit's parts, once, at start-up; requests, event
    handlers and ``loops`` all receive it (``Scope.context``). ``service_dir`` holds ``migrations/shared`` and
    ``migrations/tenant``; with it the service has tenant data, and provisions and drops tenant schemas on
    ``tenant.created`` / ``tenant.deleted``. ``settings.run_mode`` decides whether this process runs the API,
    the workers (relay, consumers, loops), or both.
    """
    trees = MigrationTrees.in_dir(service_dir) if service_dir is not None else None
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        configure_tracing(settings.service_name)
        db = database_from_settings(settings)
        broker = broker_from_settings(settings, metrics)
        token_verifier = verifier or verifier_from_settings(settings)
        outbox = Outbox(settings.service_name)
        tenants = TenantRegistry(db, trees.tenant) if trees is not None else None
        kit = Kit(
            settings=settings,
            db=db,
            broker=broker,
            outbox=outbox,
            metrics=metrics,
            verifier=token_verifier,
            tenants=tenants,
        )
        service_context = await (context or base_context)(kit)
        runtime = ServiceRuntime(
            settings=settings,
            metrics=metrics,
            db=db,
            broker=broker,
            outbox=outbox,
            verifier=token_verifier,
            trees=trees,
            context=service_context,
            loops=LoopSupervisor(metrics),
            tenants=tenants,
        )
        app.state.runtime = runtime
        app.state.context = service_context
        app.state.verifier = token_verifier
        workers = settings.run_mode in (RunMode.WORKER, RunMode.ALL)
        if workers:
            # One relay per database: each holds the outbox rows of its own tenants.
            runtime.relays = [
                OutboxRelay(
                    db,
                    broker,
                    url=shard_url,
                    metrics=metrics,
                    batch_size=settings.outbox_batch_size,
                    poll_interval_s=settings.outbox_poll_interval_s,
                    publish_timeout_s=settings.publish_timeout_s,
                )
                for shard_url in db.urls.values()
            ]
            runtime.relay = runtime.relays[0]
            all_consumers: list[EventConsumer[Any]] = list(consumers)
            if tenants is not None:
                all_consumers.append(tenant_lifecycle_consumer(settings.service_name, tenants))
            for consumer in all_consumers:
                runtime.runners.append(
                    ConsumerRunner(
                        consumer,
                        broker=broker,
                        db=db,
                        tenants=runtime.tenants,
                        outbox=runtime.outbox,
                        context=service_context,
                        metrics=metrics,
                        prefetch=settings.consumer_prefetch,
                        max_attempts=settings.consumer_max_attempts,
                        retry_delays_ms=settings.consumer_retry_delays_ms,
                        batch_max=settings.consumer_batch_max,
                        batch_window_s=settings.consumer_batch_window_ms / 1000,
                    )
                )
        await service_context.start()
        runtime.tasks.append(asyncio.create_task(broker.run(), name="broker"))
        for index, relay in enumerate(runtime.relays):
            runtime.tasks.append(asyncio.create_task(relay.run(), name=f"outbox-relay-{index}"))
        kit_loops: list[BackgroundLoop[Any]] = [purge_loop()] if trees is not None else []
        if runtime.runners:
            kit_loops.append(
                BackgroundLoop.every(
                    "queue-depths", DEPTHS_EVERY_S, lambda _: measure_depths(broker, runtime.runners, metrics)
                )
            )
        runtime.loops.start([*loops, *kit_loops], service_context, settings.run_mode)
        logger.info("service started", extra={"run_mode": settings.run_mode.value})
        try:
            yield
        finally:
            await runtime.loops.stop()
            for relay in runtime.relays:
                await relay.stop()
            await broker.stop()
            for runner in runtime.runners:
                await runner.drain()
            for task in runtime.tasks:
                task.cancel()
            await asyncio.gather(*runtime.tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await service_context.aclose()
            if verifier is None:  # the one it built; a verifier given by the caller is the caller's to close
                await token_verifier.aclose()
            await db.dispose()
            logger.info("service stopped")

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id_for(service_prefix(settings.service_name)),
    )
    install_error_handlers(app)
    install_problem_openapi(app)
    install_docs(app)
    app.add_middleware(
        RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_request_body_bytes
    )
    app.add_middleware(ForwardedHeadersMiddleware)
    app.state.metrics = metrics

    def runtime() -> ServiceRuntime:
        found: ServiceRuntime = app.state.runtime
        return found

    app.include_router(ops_router(lambda: _readiness(runtime()), metrics.registry, lambda: runtime().loops))

    for router in routers:
        if trees is not None:
            make_idempotent(router)
        app.include_router(router)
    return app
