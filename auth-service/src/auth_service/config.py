"""Settings of auth-service (env prefix ``AUTH_``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator
from vitrine_kit.settings import LOCAL_ENVIRONMENTS, BaseServiceSettings, service_config

from auth_service.security.mailer import MailBackend, SmtpTls

# Only for local runs: a warning is logged when it is used outside ``environment=local``.
DEFAULT_KEY_ENCRYPTION_KEY = "vitrine-local-only-key-encryption-key-change-me"
# What each service of the fleet may ask for with its client credentials (one scope per internal API used).
DEFAULT_CLIENT_SCOPES: dict[str, list[str]] = {
    "ai-service": ["billing:credits", "media:read"],
    "catalog-service": ["media:read", "ebay:policies"],
    "marketplace-ebay": ["billing:marketplaces", "media:read"],
    "marketplace-etsy": ["billing:marketplaces", "media:read"],
    "marketplace-vinted": ["billing:marketplaces", "media:read"],
    "relay-service": ["plugin:introspect"],
}


class Settings(BaseServiceSettings):
    """auth-service settings; every default is safe for a local run."""

    model_config = service_config("AUTH_")

    service_name: str = "auth-service"
    port: int = 8001
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_auth")

    # Token lifetimes.
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
    # A second refresh with the same token within this window answers 409 instead of revoking the family.
    refresh_grace_s: float = 10.0
    plugin_token_ttl_s: int = 30 * 24 * 3600
    service_token_ttl_s: int = 300
    verify_email_ttl_s: int = 24 * 3600
    password_reset_ttl_s: int = 3600
    invitation_ttl_s: int = 7 * 24 * 3600
    pairing_code_ttl_s: int = 600

    # Argon2id, OWASP parameters (m=19 MiB, t=2, p=1); tests lower them.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    # Memory all concurrent hashes of a process may hold: 256 MiB / 19 MiB = 13 at once, the rest queue.
    argon2_memory_budget_mib: int = 256

    # Signing keys: the private PEMs are encrypted at rest with this key (any string; Fernet key derived).
    key_encryption_key: SecretStr = SecretStr(DEFAULT_KEY_ENCRYPTION_KEY)
    # How long a replica caches the active signing key (bounds how late it notices a rotation).
    signing_key_cache_s: float = 30.0

    # Login throttling, per account and per IP, stored in PostgreSQL.
    throttle_window_s: int = 900
    account_free_failures: int = 5
    ip_free_failures: int = 50
    throttle_base_delay_s: float = 2.0
    throttle_max_delay_s: float = 900.0
    # Failures on one account that lock it hard (cleared by a successful password reset); they drain
    # over account_lock_window_s, so a stray failure now and then never adds up to a lock.
    account_lock_after: int = 20
    account_lock_s: int = 3600
    account_lock_window_s: int = 6 * 3600

    # Peers whose X-Forwarded-For is believed (the gateway, any proxy before it); CIDRs, a JSON list as the
    # gateway's GATEWAY_TRUSTED_PROXIES. Without the gateway's address here every login looks like the
    # gateway's: compose and Kubernetes set the network's or the pods' range (docs/threat-model.md).
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    # Browser sessions (cookies). Secure is on everywhere but a local or test run over plain http.
    cookie_secure: bool = True
    cookie_domain: str = ""
    # The access cookie goes to every API path; the refresh cookie only to this service's /sessions, as the
    # browser sees it behind the gateway.
    session_cookie_path: str = "/api"
    public_path_prefix: str = "/api/auth"
    # Links in e-mails point here.
    public_app_url: str = "http://localhost:5173"
    # Mail: SMTP (a local run delivers to the mail sink, sandbox/mail, on port 1025) or the log (no links).
    mail_backend: MailBackend = MailBackend.SMTP
    mail_from: str = "Vitrine <no-reply@vitrine.local>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: SmtpTls = SmtpTls.NONE
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_validate_certs: bool = True
    smtp_timeout_s: float = 10.0
    # A failed delivery is tried this many times in all, 1 s, 2 s… apart, then reported (log, metric).
    mail_attempts: int = 3
    mail_retry_delay_s: float = 1.0
    # Service clients created at start-up for local runs: [{"client_id", "client_secret", "scopes": [...]}];
    # a client listed without scopes gets those of ``service_client_scopes`` (none if it is not there).
    service_clients: list[dict[str, Any]] = Field(default_factory=list)
    service_client_scopes: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_CLIENT_SCOPES))

    @model_validator(mode="after")
    def _secure_cookies_outside_local(self) -> Settings:
        """Session cookies without Secure would cross plain http: only a local or test run may ask for it."""
        if not self.cookie_secure and self.environment not in LOCAL_ENVIRONMENTS:
            raise ValueError(f"AUTH_COOKIE_SECURE=false is refused in environment '{self.environment}'")
        return self
