from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
import sqlalchemy as sa
from auth_service.config import Settings
from auth_service.main import SERVICE_DIR, create_app
from auth_service.models import Membership, User
from auth_service.security.mailer import RecordingMailer
from vitrine_kit.app import ServiceRuntime
from vitrine_kit.testing.app import running_app

PASSWORD = "correct horse battery"


@pytest_asyncio.fixture(scope="session")
async def auth_db(service_database: Any) -> str:
    return await service_database("auth", SERVICE_DIR)


@pytest.fixture
def make_settings(auth_db: str, amqp_url: str, broker_namespace: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": auth_db,
            "amqp_url": amqp_url,
            "broker_namespace": f"{broker_namespace}{uuid.uuid4().hex[:6]}.",
            "log_json": False,
            "outbox_poll_interval_s": 0.2,
            # Cheap Argon2 keeps the suite fast; production uses the OWASP defaults.
            "argon2_time_cost": 1,
            "argon2_memory_kib": 64,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


def random_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Flows:
    """Common steps of the tests, on one running app."""

    PASSWORD = PASSWORD

    def __init__(self, client: httpx.AsyncClient, runtime: ServiceRuntime, mailer: RecordingMailer) -> None:
        self.client = client
        self.runtime = runtime
        self.mailer = mailer

    @staticmethod
    def email() -> str:
        return f"seller-{uuid.uuid4().hex[:10]}@example.com"

    async def register(self, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        """Register; the answer names no ids (it must not tell a new address from a taken one), so the
        user's and their tenant's are read from the database."""
        email = email or self.email()
        response = await self.client.post("/register", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        async with self.runtime.db.session() as session:
            row = (
                await session.execute(
                    sa.select(User.id, Membership.tenant_id)
                    .join(Membership, Membership.user_id == User.id)
                    .where(User.email == email.strip().lower(), Membership.role == "owner")
                )
            ).one()
        return {**response.json(), "user_id": str(row.id), "tenant_id": str(row.tenant_id)}

    async def login(self, email: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
        response = await self.client.post("/login", json={"email": email, "password": password, **extra})
        assert response.status_code == 200, response.text
        return response.json()

    async def new_user(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Register and log in; returns (registration, tokens)."""
        registered = await self.register()
        return registered, await self.login(registered["email"])

    @staticmethod
    def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
        token = tokens if isinstance(tokens, str) else tokens["access_token"]
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def claims(tokens: dict[str, Any]) -> dict[str, Any]:
        return jwt.decode(tokens["access_token"], options={"verify_signature": False})

    async def invite_and_join(
        self, owner_tokens: dict[str, Any], role: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new user invited with ``role`` who accepts; returns (registration, tokens in the owner's tenant)."""
        guest = await self.register()
        invited = await self.client.post(
            "/tenants/current/invitations",
            json={"email": guest["email"], "role": role},
            headers=self.bearer(owner_tokens),
        )
        assert invited.status_code == 201, invited.text
        token = self.mailer.last(guest["email"], "invitation").token
        guest_tokens = await self.login(guest["email"])
        accepted = await self.client.post(
            "/invitations/accept", json={"token": token}, headers=self.bearer(guest_tokens)
        )
        assert accepted.status_code == 200, accepted.text
        return guest, await self.login(guest["email"], tenant_id=self.claims(owner_tokens)["tid"])

    async def service_token(self, scopes: tuple[str, ...] = ("plugin:introspect",)) -> str:
        """A service token of a new client allowed ``scopes``."""
        from auth_service.clients.service import client_service

        name = f"svc-{uuid.uuid4().hex[:10]}"
        async with self.runtime.db.session() as session, session.begin():
            secret = await client_service.create(session, name, list(scopes))
        response = await self.client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(name, secret)
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def pair(self, tokens: dict[str, Any]) -> dict[str, Any]:
        """Pair a plugin device for the tenant of ``tokens``; returns the pairing answer."""
        created = await self.client.post("/plugin/pairing-codes", headers=self.bearer(tokens))
        assert created.status_code == 201, created.text
        paired = await self.client.post(
            "/plugin/pair", json={"code": created.json()["code"], "device_name": "Chrome"}
        )
        assert paired.status_code == 200, paired.text
        return dict(paired.json())


@asynccontextmanager
async def started(settings: Settings, mailer: RecordingMailer) -> AsyncIterator[Flows]:
    async with running_app(create_app(settings, mailer=mailer)) as (client, runtime):
        # Behind a trusted proxy (the ASGI peer is 127.0.0.1): each test gets its own client address.
        client.headers["X-Forwarded-For"] = random_ip()
        yield Flows(client, runtime, mailer)


@pytest_asyncio.fixture
async def flows(make_settings: Callable[..., Settings], mailer: RecordingMailer) -> AsyncIterator[Flows]:
    async with started(make_settings(), mailer) as f:
        yield f


@pytest.fixture
def start(make_settings: Callable[..., Settings], mailer: RecordingMailer) -> Callable[..., Any]:
    """``async with start(**settings_overrides) as flows:`` for tests that need other settings."""

    def run(settings: Settings | None = None, **overrides: Any) -> Any:
        return started(settings or make_settings(**overrides), mailer)

    return run
