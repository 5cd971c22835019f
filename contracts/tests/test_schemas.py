from __future__ import annotations

import json
import uuid

from vitrine_contracts import EVENTS, RawEnvelope, new_envelope
from vitrine_contracts.identity import TenantCreated
from vitrine_contracts.schema import SCHEMA_DIR, main, render_schemas


class TestSchemas:
    def test_committed_schemas_match_the_models(self) -> None:
        assert main(["--check"]) == 0, "contracts/schemas drifted from the models: run `make contracts`"

    def test_every_event_has_a_schema(self) -> None:
        names = {p.name for p in SCHEMA_DIR.glob("*.json")}
        assert names == {f"{t}.v{c.event_version}.json" for t, c in EVENTS.items()}

    def test_drift_is_detected(self, tmp_path, monkeypatch) -> None:
        import vitrine_contracts.schema as schema

        for name, text in render_schemas().items():
            (tmp_path / name).write_text(text)
        monkeypatch.setattr(schema, "SCHEMA_DIR", tmp_path)
        assert main(["--check"]) == 0
        first = next(tmp_path.glob("*.json"))
        doc = json.loads(first.read_text())
        doc["properties"]["payload"] = {"type": "string"}
        first.write_text(json.dumps(doc))
        assert main(["--check"]) == 1


class TestEnvelope:
    def test_round_trip_keeps_the_payload(self) -> None:
        tenant = uuid.uuid4()
        event = TenantCreated(tenant_id=tenant, owner_user_id=uuid.uuid4(), name="Shop")
        envelope = new_envelope(event, producer="auth-service", tenant_id=tenant, correlation_id="req-1")
        raw = RawEnvelope.model_validate_json(envelope.model_dump_json())
        assert raw.type == "tenant.created"
        assert TenantCreated.model_validate(raw.payload) == event
        assert raw.correlation_id == "req-1"


class TestRelaySchemas:
    def test_every_relay_message_has_a_committed_schema(self) -> None:
        from vitrine_contracts.relay.v1 import MESSAGES
        from vitrine_contracts.schema import RELAY_SCHEMA_DIR

        names = {p.name for p in RELAY_SCHEMA_DIR.glob("*.json")}
        assert names == {f"v1.{name}.json" for name in MESSAGES}

    def test_relay_drift_is_detected(self, tmp_path, monkeypatch) -> None:
        import vitrine_contracts.schema as schema

        for name, text in schema.render_relay_schemas().items():
            (tmp_path / name).write_text(text)
        monkeypatch.setattr(schema, "RELAY_SCHEMA_DIR", tmp_path)
        assert main(["--check"]) == 0
        doc = json.loads((tmp_path / "v1.job.result.json").read_text())
        del doc["properties"]["job_id"]
        (tmp_path / "v1.job.result.json").write_text(json.dumps(doc))
        assert main(["--check"]) == 1

    def test_dispatch_is_routed_to_one_relay_replica(self) -> None:
        from vitrine_contracts.relay.v1 import JobKind
        from vitrine_contracts.vinted import VintedJobDispatch

        event = VintedJobDispatch(
            job_id=uuid.uuid4(),
            tenant_id=uuid.uuid4(),
            device_id=uuid.uuid4(),
            relay_instance="r-1",
            kind=JobKind.DELIST,
            attempt=1,
            params={"item_id": 1},
        )
        assert event.routing_key() == "vinted.job.dispatch.r-1"
