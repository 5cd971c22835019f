"""ECB's euro foreign exchange reference rates: the daily XML (``eurofxref-daily.xml``), read and stored.

The document: ``<gesmes:Envelope><Cube><Cube time="YYYY-MM-DD"><Cube currency="USD" rate="1.0512"/>…``,
1 EUR = ``rate`` units of ``currency``. Stored once per (currency, day) in ``shared.exchange_rates``.
"""

from __future__ import annotations

import logging
import time
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal, InvalidOperation

import httpx
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.db.base import utcnow

from catalog_service.context import CatalogContext
from catalog_service.models import EcbRate

logger = logging.getLogger(__name__)


class BadRates(ValueError):
    """The document is not ECB's daily rates."""


def parse(xml: bytes | str) -> tuple[date, dict[str, Decimal]]:
    """(the rates' day, currency → rate) from ECB's daily XML; BadRates when it is not that."""
    raw = xml.encode() if isinstance(xml, str) else xml
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        # ECB's document has no DTD; one here could only be an entity-expansion attack.
        raise BadRates("a DTD or an entity declaration is not accepted")
    try:
        root = ET.fromstring(raw)  # noqa: S314 - DTDs and entities refused above
    except ET.ParseError as exc:
        raise BadRates(f"not XML: {exc}") from exc
    for cube in root.iter():
        if cube.tag.endswith("Cube") and "time" in cube.attrib:
            try:
                day = date.fromisoformat(cube.attrib["time"])
                rates = {
                    c.attrib["currency"].upper(): Decimal(c.attrib["rate"])
                    for c in cube
                    if c.tag.endswith("Cube") and "currency" in c.attrib
                }
            except (KeyError, ValueError, InvalidOperation) as exc:
                raise BadRates(f"a rate cannot be read: {exc}") from exc
            bad = [c for c, r in rates.items() if r <= 0 or len(c) != 3]
            if bad or not rates:
                raise BadRates(f"no usable rates (bad: {', '.join(bad) or 'none given'})")
            return day, rates
    raise BadRates("no <Cube time=…> element")


async def store(session: AsyncSession, day: date, rates: dict[str, Decimal]) -> int:
    stmt = insert(EcbRate).values(
        [{"currency": c, "rate_date": day, "rate": r, "fetched_at": utcnow()} for c, r in rates.items()]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["currency", "rate_date"],
            set_={"rate": stmt.excluded.rate, "fetched_at": stmt.excluded.fetched_at},
        )
    )
    return len(rates)


async def fetch(ctx: CatalogContext) -> tuple[date, dict[str, Decimal]]:
    """Read the configured source (ECB, or its stand-in); BadRates or httpx.HTTPError when it fails."""
    response = await ctx.http.get(ctx.settings.ecb_rates_url, timeout=ctx.settings.ecb_timeout_s)
    response.raise_for_status()
    return parse(response.content)


async def refresh(ctx: CatalogContext) -> tuple[date, int]:
    """Fetch and store today's rates (the background loop, and the seller's "refresh now")."""
    day, rates = await fetch(ctx)
    async with ctx.db.session() as session:
        count = await store(session, day, rates)
        await session.commit()
    ctx.rates_fetched_at = time.monotonic()
    logger.info("exchange rates stored", extra={"day": day.isoformat(), "currencies": count})
    return day, count


async def tick(ctx: CatalogContext) -> None:
    """The loop's body, every ``ecb_retry_s``: a fetch once the last good one is ``ecb_refresh_s`` old (so a
    source down at start-up is tried again soon, not hours later). A failure is logged and shown by
    /readyz; the stored rates stay in use."""
    if time.monotonic() - ctx.rates_fetched_at < ctx.settings.ecb_refresh_s and ctx.rates_fetched_at:
        return
    try:
        await refresh(ctx)
    except (httpx.HTTPError, BadRates) as exc:
        logger.warning("exchange rates not refreshed", extra={"error": str(exc)})
        raise
