"""``Idempotency-Key`` on every POST that creates something: a retried request gets the first answer back.

A client that does not know whether its POST went through (a timeout, a dropped connection) sends it again
with the same key; the kit answers with the stored response instead of creating a second thing.

- Same key, same request (method, path and body hashed), same tenant: the stored status, body, ``Location``
  and ``ETag`` are sent again with ``Idempotency-Replayed: true``.
- Same key, another request: 422, naming the key.
- The same key while the first request is still running: 409 (retry later).

The answer is stored by the request's own session, in the transaction of the handler's work: they commit
together or not at all. A request that fails stores nothing (its work rolled back), so the key may be used
again. The concurrent case is a transaction-scoped advisory lock on (tenant, key): it is released by the
commit or rollback, so a crashed request never leaves a key locked. Keys are kept
``IDEMPOTENCY_TTL`` per tenant, then purged by a background loop.

A POST made before there is a tenant (auth's register and login) uses :func:`claim` with an owner of its own
choosing in place of the tenant, and may seal the stored body (it holds tokens) with a ``BodyCipher``.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Protocol

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import DateTime, Index, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response

from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.context import ServiceContext
from vitrine_kit.db.base import KitBase, utcnow
from vitrine_kit.db.deps import TenantSession, _tenant_session
from vitrine_kit.errors import Conflict, Unprocessable
from vitrine_kit.loops import BackgroundLoop

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
IDEMPOTENCY_TTL = timedelta(hours=24)
# The answer's headers worth replaying; the rest (request id, dates, lengths) belong to each exchange.
REPLAYED_HEADERS = ("location", "etag", "content-type")
# Creation (201) and accepted work (202): the POSTs a retry must not repeat.
CREATING_STATUSES = frozenset({201, 202})
MAX_KEY_LENGTH = 255
# The OpenAPI extension that marks a guarded operation (the docs then add its 409, 422 and replay header).
MARKER = "x-idempotent"
PURGE_BATCH = 5000


class IdempotencyKey(KitBase):
    """One answered request per (tenant, key), kept ``IDEMPOTENCY_TTL``."""

    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, str]] = mapped_column(JSONB)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)


class IdempotencyKeyReused(Unprocessable):
    code, title = "idempotency-key-reused", "This Idempotency-Key was used for another request"


class IdempotencyKeyInFlight(Conflict):
    code, title = "idempotency-key-in-flight", "A request with this Idempotency-Key is still running"


class BodyCipher(Protocol):
    """Seals a stored answer's body at rest (``cryptography``'s ``Fernet`` is one)."""

    def encrypt(self, data: bytes) -> bytes: ...

    def decrypt(self, token: bytes) -> bytes: ...


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def response(self) -> Response:
        headers = {**self.headers, REPLAYED_HEADER: "true"}
        media_type = headers.pop("content-type", None)
        return Response(self.body, status_code=self.status, headers=headers, media_type=media_type)


class Replay(Exception):
    """Raised by the guard to skip the handler and send a stored answer (caught by the route)."""

    def __init__(self, answer: StoredAnswer) -> None:
        super().__init__("idempotent replay")
        self.answer = answer


@dataclass(frozen=True)
class Attempt:
    """A keyed request that holds its key's lock; ``store`` records its answer in its transaction."""

    session: AsyncSession
    tenant_id: uuid.UUID
    key: str
    request_hash: str
    cipher: BodyCipher | None = None

    async def store(self, response: Response) -> None:
        headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        now = utcnow()
        body = bytes(response.body)
        values = {
            "request_hash": self.request_hash,
            "status": response.status_code,
            "headers": headers,
            "body": self.cipher.encrypt(body) if self.cipher is not None else body,
            "created_at": now,
            "expires_at": now + IDEMPOTENCY_TTL,
        }
        # An expired row not yet purged is replaced: past its TTL a key is free again.
        await self.session.execute(
            insert(IdempotencyKey)
            .values(tenant_id=self.tenant_id, key=self.key, **values)
            .on_conflict_do_update(index_elements=["tenant_id", "key"], set_=values)
        )


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and the exact body bytes."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _lock_key(tenant_id: uuid.UUID, key: str) -> int:
    digest = hashlib.sha256(b"idempotency:" + tenant_id.bytes + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


KeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "A unique value (e.g. a UUID) per intended operation. A retry with the same key and body returns "
            "the first answer (with `Idempotency-Replayed: true`) instead of acting twice; keys are kept 24 h."
        ),
    ),
]


async def idempotency_guard(
    request: Request, session: TenantSession, principal: TenantPrincipal, key: KeyHeader = None
) -> None:
    """Take the key's lock in the request's transaction, then replay, refuse, or let the handler run."""
    if key is None:
        return
    await claim(request, session, principal.tenant, key)


async def claim(
    request: Request,
    session: AsyncSession,
    tenant_id: uuid.UUID,
    key: str,
    *,
    cipher: BodyCipher | None = None,
) -> None:
    """The guard for ``key`` of ``tenant_id`` (or another owner of keys): raises :class:`Replay` with the stored
    answer, :class:`IdempotencyKeyReused` or :class:`IdempotencyKeyInFlight`, or marks the request to store
    its answer (the route must be an :class:`IdempotentRoute`)."""
    fingerprint = request_hash(request.method, request.url.path, await request.body())
    locked = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(tenant_id, key))))
    if not locked:
        raise IdempotencyKeyInFlight(
            f"A request with the Idempotency-Key '{key}' is still being handled; retry in a moment.",
            headers={"Retry-After": "1"},
        )
    stored = await session.get(IdempotencyKey, (tenant_id, key))
    if stored is not None and stored.expires_at > utcnow():
        if stored.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                f"The Idempotency-Key '{key}' was already used for a different request; "
                "use a new key for a new operation.",
                key=key,
            )
        body = bytes(stored.body)
        raise Replay(
            StoredAnswer(stored.status, dict(stored.headers), cipher.decrypt(body) if cipher else body)
        )
    request.state.idempotency = Attempt(session, tenant_id, key, fingerprint, cipher)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class IdempotentRoute(APIRoute):
    """A route whose answers are stored by key (see :func:`idempotency_guard`) and replayed."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except Replay as replay:
                return replay.answer.response()
            attempt: Attempt | None = getattr(request.state, "idempotency", None)
            # Only a success is stored: a failure rolled its work back, so the same key may try again.
            if attempt is not None and response.status_code < 400 and hasattr(response, "body"):
                await attempt.store(response)
            return response

        return handle


def creates_something(route: APIRoute) -> bool:
    """A tenant's POST answering 201 or 202: where the kit handles ``Idempotency-Key``.

    Not a streamed upload, nor a route that reads the header itself and so defines its own replay.
    """
    if "POST" not in (route.methods or ()) or route.status_code not in CREATING_STATUSES:
        return False
    if route.dependant.request_param_name and route.body_field is None:
        return False  # it streams its own body (an upload): hashing it would buffer the whole body first
    if _reads_key(route.dependant):
        return False  # the service gives the key a meaning of its own (an analysis joined, a Stripe session)
    return _uses(route.dependant, _tenant_session)


def _uses(dependant: Dependant, call: object) -> bool:
    return any(dep.call is call or _uses(dep, call) for dep in dependant.dependencies)


def _reads_key(dependant: Dependant) -> bool:
    own = any(
        str(getattr(param.field_info, "alias", None) or param.name).lower().replace("_", "-")
        == HEADER.lower()
        for param in dependant.header_params
    )
    return own or any(_reads_key(dep) for dep in dependant.dependencies)


def make_idempotent(router: APIRouter) -> None:
    """Give each creating POST of ``router`` the key guard and the storing route (before it is included)."""
    for index, route in enumerate(router.routes):
        if (
            isinstance(route, IdempotentRoute)
            or not isinstance(route, APIRoute)
            or not creates_something(route)
        ):
            continue
        router.routes[index] = guarded(route, Depends(idempotency_guard))


def guarded(route: APIRoute, guard: Any) -> IdempotentRoute:
    """``route`` as an :class:`IdempotentRoute` whose ``guard`` (a ``Depends`` calling :func:`claim`) runs after
    its own dependencies; a service replaces a route of its router with it before the router is included."""
    return IdempotentRoute(
        route.path,
        route.endpoint,
        response_model=route.response_model,
        status_code=route.status_code,
        tags=route.tags,
        dependencies=[*route.dependencies, guard],
        summary=route.summary,
        description=route.description,
        response_description=route.response_description,
        responses=route.responses,
        deprecated=route.deprecated,
        name=route.name,
        methods=route.methods,
        operation_id=route.operation_id,
        response_model_include=route.response_model_include,
        response_model_exclude=route.response_model_exclude,
        response_model_by_alias=route.response_model_by_alias,
        response_model_exclude_unset=route.response_model_exclude_unset,
        response_model_exclude_defaults=route.response_model_exclude_defaults,
        response_model_exclude_none=route.response_model_exclude_none,
        include_in_schema=route.include_in_schema,
        response_class=route.response_class,
        callbacks=route.callbacks,
        openapi_extra={**(route.openapi_extra or {}), MARKER: True},
        generate_unique_id_function=route.generate_unique_id_function,
    )


async def purge_expired(session: AsyncSession, *, batch: int = PURGE_BATCH) -> int:
    """Delete up to ``batch`` expired keys; returns how many."""
    expired = (
        sa.select(IdempotencyKey.tenant_id, IdempotencyKey.key)
        .where(IdempotencyKey.expires_at <= utcnow())
        .limit(batch)
    )
    result = await session.execute(
        sa.delete(IdempotencyKey).where(sa.tuple_(IdempotencyKey.tenant_id, IdempotencyKey.key).in_(expired))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _purge_tick(context: ServiceContext[Any]) -> None:
    # Keys live with their tenant's data: in every database of the service.
    for engine in context.db.engines.values():
        while True:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                deleted = await purge_expired(session)
                await session.commit()
            if deleted:
                logger.info("expired idempotency keys purged", extra={"deleted": deleted})
            if deleted < PURGE_BATCH:
                break


def purge_loop(every_s: float = 3600.0) -> BackgroundLoop[ServiceContext[Any]]:
    """The kit's loop that deletes keys past ``IDEMPOTENCY_TTL`` (every service with tenant data runs it)."""
    tick: Callable[[ServiceContext[Any]], Awaitable[None]] = _purge_tick
    return BackgroundLoop.every("idempotency-purge", every_s, tick, first_delay_s=60.0)
