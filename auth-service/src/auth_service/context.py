"""auth-service's context: the kit's parts, keys, hashing, throttling and mail, built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.db.tenancy import TenantRegistry

from auth_service.config import Settings
from auth_service.keys.service import KeyStore
from auth_service.security.client_ip import Network, parse_networks
from auth_service.security.mailer import LogMailer, MailBackend, Mailer, SmtpConfig, SmtpMailer
from auth_service.security.passwords import PasswordHasher
from auth_service.security.throttle import LoginThrottler

logger = logging.getLogger(__name__)


def mailer_from_settings(kit: Kit[Settings]) -> Mailer:
    """The mailer the settings choose: SMTP (the mail sink locally) or the log."""
    s = kit.settings
    if s.mail_backend is MailBackend.LOG:
        return LogMailer()
    config = SmtpConfig(
        host=s.smtp_host,
        port=s.smtp_port,
        tls=s.smtp_tls,
        username=s.smtp_username,
        password=s.smtp_password.get_secret_value(),
        validate_certs=s.smtp_validate_certs,
        timeout_s=s.smtp_timeout_s,
        sender=s.mail_from,
        attempts=s.mail_attempts,
        retry_delay_s=s.mail_retry_delay_s,
    )
    return SmtpMailer(config, registry=kit.metrics.registry)


@dataclass(kw_only=True)
class AuthContext(ServiceContext[Settings]):
    """Settings, keys, hashing, throttling, tenancy, mail and the outbox, as one object for the services."""

    tenants: TenantRegistry
    keys: KeyStore
    hasher: PasswordHasher
    throttler: LoginThrottler
    mailer: Mailer
    trusted_proxies: list[Network]

    @classmethod
    async def build(cls, kit: Kit[Settings], *, keys: KeyStore, mailer: Mailer | None) -> AuthContext:
        if kit.tenants is None:
            raise RuntimeError("auth-service has tenant tables: its service_dir must be given")
        keys.attach(kit.db)
        return cls(
            settings=kit.settings,
            db=kit.db,
            outbox=kit.outbox,
            metrics=kit.metrics,
            tenants=kit.tenants,
            keys=keys,
            hasher=PasswordHasher.from_settings(kit.settings),
            throttler=LoginThrottler.from_settings(kit.db, kit.settings),
            mailer=mailer or mailer_from_settings(kit),
            trusted_proxies=parse_networks(kit.settings.trusted_proxies),
        )

    async def start(self) -> None:
        try:
            await self.keys.ensure()
        except Exception:  # not migrated yet: /readyz says so, and the key is made on first use
            logger.exception("could not ensure a signing key at start-up")
        # Imported here: the domain services import this module for their type hints.
        from auth_service.clients.service import client_service

        if self.settings.service_clients:
            async with self.db.session() as session, session.begin():
                await client_service.seed(
                    session, self.settings.service_clients, self.settings.service_client_scopes
                )
