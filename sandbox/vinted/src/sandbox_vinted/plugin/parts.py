"""Reference lists answered in parts (``contracts/relay/README.md``, reference lists in parts): the whole
list is read from Vinted once and kept a few minutes, and each part is cut from it by size."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vitrine_contracts.relay.v1 import (
    MAX_PART_BYTES,
    FetchReferenceParams,
    ReferenceData,
    ReferenceKind,
    ReferencePart,
    flatten_catalogs,
)

KEEP_S = 600.0  # long enough for every part of one refresh; a later refresh reads Vinted again
# The part's own fields and the JSON around its entries, counted against ``part_bytes``.
ENVELOPE_BYTES = 400


@dataclass(frozen=True)
class WholeList:
    entries: list[dict[str, Any]]
    sizes: list[int]  # each entry's JSON length, to cut parts without encoding them again
    snapshot: str
    fetched_at: datetime
    kept_at: float


def whole_list(what: ReferenceKind, body: dict[str, Any]) -> WholeList:
    """The entries of Vinted's answer (the tree flattened) with the digest of the whole list."""
    raw = body.get(what.value) or []
    entries = flatten_catalogs(raw) if what == ReferenceKind.CATALOGS else list(raw)
    # Measured as the socket's encoder writes them at the most (spaces after separators, non-ASCII escaped).
    encoded = [json.dumps(e) for e in entries]
    digest = hashlib.sha256("\n".join(encoded).encode()).hexdigest()[:32]
    sizes = [len(e) + 2 for e in encoded]
    return WholeList(entries, sizes, digest, datetime.now(UTC), time.monotonic())


def cut(whole: WholeList, offset: int, part_bytes: int) -> ReferenceData:
    """The entries from ``offset`` on that fit in ``part_bytes`` (at least one)."""
    end, used = offset, ENVELOPE_BYTES
    while end < len(whole.entries) and (end == offset or used + whole.sizes[end] <= part_bytes):
        used += whole.sizes[end]
        end += 1
    part = ReferencePart(
        offset=offset,
        count=end - offset,
        total=len(whole.entries),
        snapshot=whole.snapshot,
        fetched_at=whole.fetched_at,
    )
    return ReferenceData(part=part, entries=whole.entries[offset:end])


class KeptLists:
    """Whole lists by what was asked (kind, catalog, keyword), kept ``KEEP_S``."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        self.keep_s = keep_s
        self._lists: dict[tuple[str, int | None, str], WholeList] = {}

    async def part(
        self, p: FetchReferenceParams, read: Callable[[], Awaitable[dict[str, Any]]]
    ) -> ReferenceData:
        """Part ``p.offset`` of the list, from the kept copy when ``p.snapshot`` names it, else read anew (a
        first part, or a copy too old or gone: the server starts again when the snapshot differs)."""
        part_bytes = p.part_bytes or MAX_PART_BYTES
        key = (p.what.value, p.catalog_id, p.keyword or "")
        now = time.monotonic()
        self._lists = {k: w for k, w in self._lists.items() if now - w.kept_at < self.keep_s}
        kept = self._lists.get(key)
        if kept is None or p.snapshot is None or kept.snapshot != p.snapshot:
            kept = self._lists[key] = whole_list(p.what, await read())
        if p.offset > len(kept.entries) or (p.offset == len(kept.entries) and kept.entries):
            # Past the end of this snapshot (the list shrank since): start again from the top.
            return cut(kept, 0, part_bytes)
        return cut(kept, p.offset, part_bytes)
