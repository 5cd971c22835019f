"""What the domain services need besides a session, built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from vitrine_kit.db.engine import Database
from vitrine_kit.events.outbox import Outbox
from vitrine_marketplace import TokenCipher

from marketplace_ebay.config import Settings
from marketplace_ebay.ebay_api import EbayAdapter
from marketplace_ebay.media import MediaImages


@dataclass
class EbayContext:
    """Settings, the token cipher, the eBay adapter; the database and outbox once the app has started."""

    settings: Settings
    cipher: TokenCipher
    ebay: EbayAdapter
    db: Database | None = None
    outbox: Outbox | None = None
    public_keys: dict[str, tuple[str, float]] = field(default_factory=dict)
    media: MediaImages | None = None

    @classmethod
    def build(cls, settings: Settings) -> EbayContext:
        return cls(
            settings=settings,
            cipher=TokenCipher([k.get_secret_value() for k in settings.token_keys]),
            ebay=EbayAdapter(settings),
            media=MediaImages(settings) if settings.media_url else None,
        )

    @property
    def database(self) -> Database:
        assert self.db is not None, "the app has not started"
        return self.db
