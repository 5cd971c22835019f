"""A stand-in for ECB's euro foreign exchange reference rates (``eurofxref-daily.xml``), in ECB's shape,
with a control call to set the rates and their day. Facts followed: the daily file at
https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml (1 EUR = ``rate`` units of ``currency``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.responses import Response

from sandbox_ebay.deps import WorldDep

router = APIRouter(tags=["ecb stand-in"])


def document(rates: dict[str, str], day: str) -> str:
    cubes = "\n".join(f"\t\t\t<Cube currency='{c}' rate='{r}'/>" for c, r in sorted(rates.items()))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
        "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
        "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n"
        f"\t<Cube>\n\t\t<Cube time='{day}'>\n{cubes}\n\t\t</Cube>\n\t</Cube>\n"
        "</gesmes:Envelope>\n"
    )


@router.get("/stats/eurofxref/eurofxref-daily.xml")
async def daily(world: WorldDep) -> Response:
    """Today's reference rates, as ECB publishes them (same path as on www.ecb.europa.eu)."""
    with world.lock:
        day = world.ecb_date or dt.datetime.now(dt.UTC).date().isoformat()
        body = document(world.ecb_rates, day)
    return Response(body, media_type="text/xml")


Rate = Annotated[Decimal, Field(gt=0)]


class RatesIn(BaseModel):
    rates: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Rate] = Field(min_length=1)
    date: dt.date | None = Field(default=None, description="The rates' day (default: today, UTC)")


@router.put("/sandbox/ecb/rates", status_code=204)
async def set_rates(body: RatesIn, world: WorldDep) -> Response:
    """Replace the stand-in's rates (and their day)."""
    with world.lock:
        world.ecb_rates = {c: str(r) for c, r in body.rates.items()}
        world.ecb_date = body.date.isoformat() if body.date else None
    return Response(status_code=204)
