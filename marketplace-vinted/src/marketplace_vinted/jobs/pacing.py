"""Pacing of writes per Vinted account (external-apis §3.6): one at a time, a random gap, a pause every few,
an hourly cap whose last ``delist_reserve`` writes only delists may use, a long pause after a block."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from vitrine_contracts.relay.v1 import WRITE_KINDS, JobKind

from marketplace_vinted.models import VintedAccount


@dataclass
class Pacing:
    """The state of one dispatch pass: writes used this hour, whether one is out."""

    account: VintedAccount
    used: int
    write_running: bool
    delist_reserve: int

    def wait_for(self, kind: JobKind, now: datetime) -> datetime | None:
        """None if a job of ``kind`` may go now, else when to look again. Reads are not paced; delists skip
        the gaps and may use the reserve (a sale must never wait behind publishes)."""
        if kind not in WRITE_KINDS:
            return None
        account = self.account
        if account.blocked_until and account.blocked_until > now:
            return account.blocked_until
        if not account.logged_in and account.session_checked_at is not None:
            return now + timedelta(seconds=30)
        if kind is JobKind.DELIST:
            return None if self.used < account.writes_per_hour else now + timedelta(seconds=60)
        if self.used >= max(account.writes_per_hour - self.delist_reserve, 0):
            return now + timedelta(seconds=60)
        if self.write_running:
            return now + timedelta(seconds=1)
        return None if account.next_write_at <= now else account.next_write_at

    def wrote(self, now: datetime) -> None:
        """A write went out in this pass."""
        self.used += 1
        self.write_running = True
        self.account.wrote(now, random.uniform(self.account.min_gap_s, self.account.max_gap_s))
