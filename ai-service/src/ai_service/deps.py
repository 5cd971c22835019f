"""FastAPI dependencies of ai-service, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Path

AnalysisID = Annotated[uuid.UUID, Path(description="The analysis id")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=8,
        max_length=200,
        description="Sent again with a retried request, it returns the same analysis and charges once",
    ),
]
