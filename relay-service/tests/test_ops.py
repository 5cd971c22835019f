"""The relay's ops endpoints answer as every service built by the kit does."""

from __future__ import annotations

import httpx


class TestOps:
    async def test_health_readiness_and_metrics(self, start_relay, make_plugin, tenant_id) -> None:
        relay = await start_relay(replica_heartbeat_s=0.1)
        await make_plugin(relay, tenant_id)
        async with httpx.AsyncClient(base_url=relay.url) as http:
            health = await http.get("/healthz")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            assert health.headers["x-request-id"]
            ready = (await http.get("/readyz")).json()
            assert ready["status"] == "ready"
            assert set(ready["checks"].values()) == {"ok"}
            assert {"replica-alive", "revocation-sweep"} <= set(ready["loops"])
            assert ready["loops"]["replica-alive"]["runs"] >= 1
            metrics = (await http.get("/metrics")).text
            assert "relay_connections 1.0" in metrics
            assert 'background_loop_runs_total{loop="replica-alive",outcome="ok"}' in metrics
            assert (await http.get("/nothing-here")).headers["content-type"] == "application/problem+json"
