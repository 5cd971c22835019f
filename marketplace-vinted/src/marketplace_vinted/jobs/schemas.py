"""What the API shows of the queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from vitrine_contracts.relay.v1 import JobKind, VintedCall
from vitrine_kit.pagination import Page

from marketplace_vinted.models import Job, JobStatus


class JobErrorOut(BaseModel):
    """Why a job failed: the plugin's error (its Vinted HTTP status), or ``malformed_result`` when the
    plugin's answer did not fit the contract."""

    code: str
    message: str
    http_status: int | None = None
    retry_after_s: float | None = None
    fields: dict[str, str] = Field(default_factory=dict)


class JobOut(BaseModel):
    id: uuid.UUID
    kind: JobKind
    status: JobStatus
    attempt: int
    result: dict[str, Any] | None = Field(
        description="The kind's data as the plugin sent it (Vinted's own shapes)"
    )
    error: JobErrorOut | None
    calls: list[VintedCall] = Field(
        default_factory=list, description="Every Vinted call, with its HTTP status"
    )
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            attempt=job.attempt,
            result=job.result,
            error=JobErrorOut.model_validate(job.error) if job.error else None,
            calls=[VintedCall.model_validate(c) for c in job.calls or []],
            created_at=job.created_at,
            completed_at=job.completed_at,
        )


class JobPage(Page[JobOut]):
    """Jobs, newest first (then by id); ``next_cursor`` pages to older ones."""
