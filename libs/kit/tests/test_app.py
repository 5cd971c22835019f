from __future__ import annotations

import uuid

from fixture_service.app import make_app
from vitrine_kit.testing.app import running_app


class TestOpsEndpoints:
    async def test_healthz_readyz_metrics(self, fixture_app) -> None:
        async with running_app(fixture_app()) as (client, _):
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "broker": "ok"}
            await client.get("/markers")
            metrics = (await client.get("/metrics")).text
            assert 'http_requests_total{method="GET",route="/markers",status="401"}' in metrics
            assert "http_request_duration_seconds_bucket" in metrics
            assert "broker_connected 1.0" in metrics

    async def test_readyz_reports_an_unreachable_broker(self, fixture_app) -> None:
        app = fixture_app(amqp_url="amqp://guest:guest@127.0.0.1:1/")
        async with running_app(app, wait_broker=False) as (client, _):
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["checks"]["broker"] == "unreachable"


class TestRequestIds:
    async def test_well_formed_id_is_kept_and_a_bad_one_replaced(self, fixture_app) -> None:
        async with running_app(fixture_app()) as (client, _):
            kept = await client.get("/healthz", headers={"X-Request-Id": "abc-123-def-456"})
            assert kept.headers["x-request-id"] == "abc-123-def-456"
            replaced = await client.get("/healthz", headers={"X-Request-Id": "bad id <script>"})
            assert replaced.headers["x-request-id"] != "bad id"
            assert len(replaced.headers["x-request-id"]) == 32
            made = await client.get("/healthz")
            assert len(made.headers["x-request-id"]) == 32


class TestProblems:
    async def test_errors_are_problem_json(self, fixture_app, test_keys) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with running_app(fixture_app()) as (client, _):
            unauth = await client.get("/markers")
            assert unauth.status_code == 401
            assert unauth.headers["content-type"] == "application/problem+json"
            assert unauth.json()["type"] == "https://errors.vitrine.app/unauthorized"
            assert unauth.json()["request_id"] == unauth.headers["x-request-id"]
            invalid = await client.post(
                "/markers", json={"label": ""}, headers={"Authorization": f"Bearer {token}"}
            )
            assert invalid.status_code == 422
            assert invalid.json()["errors"][0]["field"] == "label"
            missing = await client.get("/nope")
            assert missing.status_code == 404
            assert missing.headers["content-type"] == "application/problem+json"

    async def test_body_limit_answers_413_before_reading(self, fixture_app, test_keys) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with running_app(fixture_app(max_request_body_bytes=1000)) as (client, _):
            declared = await client.post(
                "/markers", content=b"x" * 2000, headers={"Authorization": f"Bearer {token}"}
            )
            assert declared.status_code == 413

            async def chunks():
                for _ in range(10):
                    yield b"y" * 500

            streamed = await client.post(
                "/markers", content=chunks(), headers={"Authorization": f"Bearer {token}"}
            )
            assert streamed.status_code == 413


class TestDatabaseRestart:
    async def test_a_dropped_connection_answers_503_then_recovers(self, fixture_app, test_keys) -> None:
        import asyncpg

        tenant = uuid.uuid4()
        auth = {"Authorization": f"Bearer {test_keys.issue(tenant_id=tenant)}"}
        async with running_app(fixture_app(db_pool_size=1, db_max_overflow=0)) as (client, runtime):
            assert (await client.get("/markers", headers=auth)).status_code == 200
            # Kill the pooled connection from the server side, as a PostgreSQL restart would.
            dsn = runtime.db.url.replace("postgresql+asyncpg://", "postgresql://")
            name = dsn.rsplit("/", 1)[1]
            killer = await asyncpg.connect(dsn)
            await killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend' AND application_name = ''",
                name,
            )
            await killer.close()
            first = await client.get("/markers", headers=auth)
            assert first.status_code == 503, first.text
            assert first.headers["retry-after"] == "1"
            assert first.json()["type"].endswith("/database-unavailable")
            assert (await client.get("/markers", headers=auth)).status_code == 200


class TestShutdown:
    async def test_the_verifier_the_kit_built_has_its_http_clients_closed(self, make_settings) -> None:
        async with running_app(make_app(make_settings(), None)) as (_, runtime):
            keys_client = runtime.verifier.keys.fetcher.client.get()
            assert runtime.verifier.revocations is not None
            revocations_client = runtime.verifier.revocations.fetcher.client.get()
            assert not keys_client.is_closed
        assert keys_client.is_closed
        assert revocations_client.is_closed
