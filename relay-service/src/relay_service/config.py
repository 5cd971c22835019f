"""Settings of relay-service (env prefix ``RELAY_``)."""

from __future__ import annotations

import os
import socket
import uuid

from pydantic import Field, SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config


def _instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Settings(BaseServiceSettings):
    """relay-service settings; no database. Every default is safe for a local run."""

    model_config = service_config("RELAY_")

    service_name: str = "relay-service"
    port: int = 8009
    # This replica's name: jobs for its sockets are routed with key vinted.job.dispatch.<instance_id>.
    instance_id: str = Field(default_factory=_instance_id)

    # Revocation check at connect (RFC 7662 at auth-service); empty auth_url skips it (tests, offline dev).
    auth_url: str = "http://127.0.0.1:8001"
    client_id: str = "relay-service"
    client_secret: SecretStr = SecretStr("relay-service-local-secret")
    introspect_cache_s: float = 10.0

    max_in_flight: int = 2
    ack_timeout_s: float = 10.0
    heartbeat_interval_s: float = 15.0
    ping_interval_s: float = 20.0
    ping_timeout_s: float = 20.0
    drain_timeout_s: float = 10.0
    # Devices revoked (plugin.revoked) are refused at connect, hello and on each result for this long; the
    # sockets of revoked devices still open are closed every revocation_sweep_s (and at once on the event).
    revoked_ttl_s: float = 86_400.0
    revocation_sweep_s: float = 2.0
    # Each job result is published once per (job id, result id) within this window (at most this many kept).
    result_dedupe_window_s: float = 600.0
    result_dedupe_max: int = 100_000
    # Per socket: every message takes a token of message_*, job.result also one of result_*; over the limit
    # the relay answers RelayError "rate-limited" with the wait. Generous for a plugin (2 jobs in flight).
    message_rate_per_s: float = 20.0
    message_burst: float = 100.0
    result_rate_per_s: float = 10.0
    result_burst: float = 40.0
    # relay.replica.alive every N seconds; keep it well under marketplace-vinted's REPLICA_TIMEOUT_S (15).
    replica_heartbeat_s: float = 5.0
    # After start-up: move the import-time heap out of the collector's reach (gc.freeze) and collect young
    # objects less often. A full collection with 1,000 sockets took 100-260 ms (bench/vinted/README.md).
    gc_freeze: bool = True
    gc_threshold: tuple[int, int, int] = (50_000, 20, 100)
    # The plugin's origin is chrome-extension://…; auth is a bearer token, never a cookie, so any origin is safe.
    cors_allowed_origins: list[str] | str = "*"
