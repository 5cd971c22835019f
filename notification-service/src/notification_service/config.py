"""Settings of notification-service (env prefix ``NOTIFY_``)."""

from __future__ import annotations

import os
import socket
import uuid
from enum import StrEnum

from pydantic import Field, SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config


class SmtpTls(StrEnum):
    """How the SMTP connection is protected (the same values as auth-service's ``SMTP_TLS``)."""

    NONE = "none"  # plain: the local mail sink
    STARTTLS = "starttls"  # upgraded on the submission port (587)
    IMPLICIT = "implicit"  # TLS from the first byte (465)


def _instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Settings(BaseServiceSettings):
    """notification-service settings; every default is safe for a local run."""

    model_config = service_config("NOTIFY_")

    service_name: str = "notification-service"
    port: int = 8010
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_notifications")
    # Names this replica's feed queue (exclusive, deleted with its connection).
    instance_id: str = Field(default_factory=_instance_id)

    # The feed: what is kept for resuming, and what one connection may cost.
    history_items: int = 500
    history_days: int = 7
    # Items waiting for one slow connection; past it the connection is closed with a retry hint.
    connection_queue: int = 64
    heartbeat_s: float = 20.0
    # What EventSource waits before reconnecting (the SSE ``retry:`` field).
    retry_ms: int = 3000
    # A write the client does not take within this time ends its connection.
    send_timeout_s: float = 15.0
    history_batch: int = 100
    # After start-up: the import-time heap out of the collector's reach, young objects collected less often
    # (full collections grow with the connections held; see bench/feed/README.md).
    gc_freeze: bool = True
    gc_threshold: tuple[int, int, int] = (50_000, 20, 100)

    # Import progress: at most one item per import this often (the last count is always told).
    import_progress_every_s: float = 2.0

    # E-mail: the local mail sink by default; links in mails point at the gateway.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_tls: SmtpTls = SmtpTls.NONE
    smtp_validate_certs: bool = True
    smtp_timeout_s: float = 10.0
    mail_from: str = "Vitrine <notifications@vitrine.local>"
    public_url: str = "http://127.0.0.1:8000/api/notifications"
    app_url: str = "http://localhost:5173"
    # Signs unsubscribe links; anyone holding it can unsubscribe anyone.
    unsubscribe_secret: SecretStr = SecretStr("notification-service-local-unsubscribe-secret")
    mail_batch: int = 20
    mail_max_attempts: int = 5
    mail_retry_delays_s: list[float] = Field(default_factory=lambda: [30.0, 120.0, 600.0, 3600.0])
    # How long a replica trusts its copy of a tenant's e-mail choices (a change on another replica applies after it).
    preferences_cache_s: float = 30.0
    # The digest goes out at this hour (tenant's time zone) unless the seller chose another.
    digest_hour: int = 8
    mail_poll_s: float = 1.0
    digest_poll_s: float = 30.0
