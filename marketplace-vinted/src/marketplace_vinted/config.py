"""Settings of marketplace-vinted (env prefix ``VINTED_``); pacing defaults from external-apis §3.6."""

from __future__ import annotations

from pydantic import Field, SecretStr
from vitrine_contracts.relay.v1 import MAX_PART_BYTES, MIN_PART_BYTES
from vitrine_kit.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    model_config = service_config("VINTED_")

    service_name: str = "marketplace-vinted"
    port: int = 8008
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_vinted")
    # Pacing per Vinted account (about 50 writes/hour, 20-50 s apart; a pause now and then).
    writes_per_hour: int = 50
    min_gap_s: float = 20.0
    max_gap_s: float = 50.0
    pause_every: int = 12
    pause_s: float = 20.0
    delist_reserve: int = 10  # writes per hour only delists may use: a sale must never wait for the budget
    block_pause_s: float = 3600.0  # after a DataDome 403
    lease_s: float = 120.0  # a dispatched job with no result by then is queued again
    sync_interval_s: float = 300.0
    dispatch_poll_s: float = 0.5
    idle_wake_s: float = 30.0
    # A relay replica silent (no relay.replica.alive, sent every 5 s) this long is dead: its devices go
    # offline and their dispatched jobs are queued again at once. Checked every replica_check_s.
    replica_timeout_s: float = 15.0
    replica_check_s: float = 2.0
    # Reference lists come from the plugin in parts of at most this many bytes of JSON (the relay carries a
    # Socket.IO message of 1 MB; the job result around the part is small).
    reference_part_bytes: int = Field(default=400_000, ge=MIN_PART_BYTES, le=MAX_PART_BYTES)
    # The scheduled refresh of Vinted's reference data (shared by every seller), through any seller's plugin
    # online: at most once a period (0: never), again after retry_s when a run fails or passes its timeout.
    reference_refresh_s: float = 86_400.0
    reference_retry_s: float = 900.0
    reference_run_timeout_s: float = 3_600.0
    reference_check_s: float = 30.0
    # A seller's own asks (POST /reference/...): one fetch of a list at a time (409 while one is unfinished),
    # and a list without a keyword at most once a cooldown (429 with Retry-After; 0: no cooldown). The
    # scheduled refresh is bound by neither.
    reference_manual_cooldown_s: float = Field(default=3_600.0, ge=0)
    # A fetch is at most this many parts (60,000 brands are about 13 at 400,000 bytes a part): a plugin whose
    # parts would need more is refused before another is asked for.
    reference_max_parts: int = Field(default=500, ge=1)
    # Photo URLs signed by media-service when a job goes out (empty media_url: the snapshot's URLs as they are).
    media_url: str = "http://127.0.0.1:8003"
    auth_url: str = "http://127.0.0.1:8001"
    client_id: str = "marketplace-vinted"
    client_secret: SecretStr = SecretStr("marketplace-vinted-local-secret")
    photo_url_ttl_s: int = 3600
    # The plan's marketplace limit, checked at billing-service when the plugin first reports a Vinted
    # account logged in (None: unchecked, for tests of this service alone).
    billing_url: str | None = "http://127.0.0.1:8005"
