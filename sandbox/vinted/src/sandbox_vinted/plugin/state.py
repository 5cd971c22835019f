"""What the plugin keeps between jobs and sockets: its journal of finished jobs, the results the relay has not
acked yet, and the trouble it was asked to simulate."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from vitrine_contracts.relay.v1 import JobResult

JOURNAL_TTL_S = 24 * 3600  # the protocol asks for a day of finished jobs


@dataclass
class Switches:
    """Trouble to simulate, set from tests or the command line."""

    disconnect_mid_job: set[str] = field(default_factory=set)  # job kinds; each triggers once per job id
    reconnect_after_s: float = 0.5
    ack_delay_s: float = 0.0
    duplicate_results: bool = False
    refuse_kinds: set[str] = field(default_factory=set)


class Journal:
    """Finished jobs by id, for a day: a redelivered job is answered from here, without calling Vinted."""

    def __init__(self, ttl_s: float = JOURNAL_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entries: OrderedDict[uuid.UUID, tuple[float, JobResult]] = OrderedDict()

    def record(self, result: JobResult) -> None:
        self._entries[result.job_id] = (time.monotonic(), result)
        self._entries.move_to_end(result.job_id)
        self._expire()

    def replay(self, job_id: uuid.UUID) -> JobResult | None:
        """The stored result as a new answer (``replayed``, a new ``result_id``), or None if unknown."""
        self._expire()
        found = self._entries.get(job_id)
        if found is None:
            return None
        return found[1].model_copy(update={"replayed": True, "result_id": uuid.uuid4()})

    def __contains__(self, job_id: object) -> bool:
        self._expire()
        return job_id in self._entries

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.ttl_s
        while self._entries and next(iter(self._entries.values()))[0] < cutoff:
            self._entries.popitem(last=False)


@dataclass
class PluginState:
    """The plugin's memory across reconnects."""

    journal: Journal = field(default_factory=Journal)
    unacked: dict[uuid.UUID, JobResult] = field(default_factory=dict)  # results resent until acked
    interrupted: set[uuid.UUID] = field(default_factory=set)  # jobs whose socket was dropped on purpose
    vinted_calls: int = 0
