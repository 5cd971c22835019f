"""notification-service's context: the feed hub, the mailer and the unsubscribe links, built once."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from datetime import timedelta

from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.context import Kit, ServiceContext
from vitrine_kit.settings import RunMode

from notification_service.config import Settings
from notification_service.feed.hub import FeedHub
from notification_service.mail.links import UnsubscribeLinks
from notification_service.mail.sender import Mailer, SmtpMailer
from notification_service.metrics import NotifyMetrics
from notification_service.preferences.cache import PreferenceCache

logger = logging.getLogger(__name__)


@dataclass(kw_only=True)
class NotifyContext(ServiceContext[Settings]):
    """What the feed, the consumers and the mail loops act with besides a session."""

    hub: FeedHub
    verifier: TokenVerifier
    mailer: Mailer
    links: UnsubscribeLinks
    notify_metrics: NotifyMetrics
    preference_cache: PreferenceCache

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> NotifyContext:
        settings = kit.settings
        metrics = NotifyMetrics(kit.metrics)
        hub = FeedHub(
            kit.broker, instance_id=settings.instance_id, limit=settings.connection_queue, metrics=metrics
        )
        if settings.run_mode in (RunMode.API, RunMode.ALL):
            hub.listen()  # a worker holds no streams: it needs no feed queue
        return cls(
            **cls.parts(kit),
            hub=hub,
            verifier=kit.verifier,
            mailer=SmtpMailer(settings),
            links=UnsubscribeLinks(
                settings.unsubscribe_secret.get_secret_value().encode(), settings.public_url
            ),
            notify_metrics=metrics,
            preference_cache=PreferenceCache(settings.preferences_cache_s),
        )

    @property
    def history_age(self) -> timedelta:
        return timedelta(days=self.settings.history_days)

    async def start(self) -> None:
        if self.settings.gc_freeze:
            gc.freeze()
            gc.set_threshold(*self.settings.gc_threshold)
