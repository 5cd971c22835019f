"""E-mail preferences of a seller account: per kind on/off and immediate or daily digest; the digest's hour."""

from __future__ import annotations

import zoneinfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from vitrine_contracts.notifications import FeedKind

from notification_service.models import Delivery

# Progress is only worth a glance in the feed: never e-mailed.
NOT_MAILED = frozenset({FeedKind.PUBLICATION_STARTED, FeedKind.IMPORT_PROGRESS})
MAILABLE = tuple(k for k in FeedKind if k not in NOT_MAILED)


class KindPreference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: bool = Field(description="Send this kind by e-mail to the account's owners")
    delivery: Delivery = Field(description="At once, or in the daily digest")


class Preferences(BaseModel):
    """Every kind that can be e-mailed, with its setting (the defaults until changed)."""

    kinds: dict[FeedKind, KindPreference]
    digest_hour: int = Field(ge=0, le=23, description="Hour of the daily digest, in ``timezone``")
    timezone: str = Field(description="IANA time zone of the digest hour, e.g. Europe/Paris")


class PreferencesIn(BaseModel):
    """What to change; kinds left out keep their setting."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[FeedKind, KindPreference] = Field(default_factory=dict)
    digest_hour: int | None = Field(default=None, ge=0, le=23)
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("kinds")
    @classmethod
    def _mailable(cls, kinds: dict[FeedKind, KindPreference]) -> dict[FeedKind, KindPreference]:
        refused = sorted(k.value for k in kinds if k in NOT_MAILED)
        if refused:
            raise ValueError(f"never sent by e-mail: {', '.join(refused)}")
        return kinds

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {name!r} (an IANA name like Europe/Paris)") from None
        return name
