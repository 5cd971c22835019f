"""Analyses: asked for (cache, credits, queue), read, and decided by the worker.

Asking is quick: the photos are checked at media-service, a cached answer is returned at once (no
credit), otherwise the analysis is recorded, its price reserved at billing-service and its job made due.
No database connection is held while another service answers. The worker runs the provider calls outside
any transaction and comes back here to record the outcome.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError
from vitrine_contracts.ai import AnalysisCompleted, AnalysisFailed
from vitrine_kit import pagination
from vitrine_kit.clients.media import MediaUnavailable as MediaDown
from vitrine_kit.clients.media import PhotoMissing
from vitrine_kit.db.base import utcnow

from ai_service import errors
from ai_service.analyses import repository as repo
from ai_service.analyses.ask import Ask, analysis_id_for, asker_grace
from ai_service.analyses.schemas import (
    AnalysisError,
    AnalysisOut,
    AnalysisPage,
    AnalysisRequest,
    AnalysisResult,
    PhotoLimit,
    StepUsage,
)
from ai_service.credits.client import BillingUnavailable, CreditsExhausted, reservation_key
from ai_service.members.service import member_service
from ai_service.models import (
    Analysis,
    AnalysisJob,
    AnalysisStatus,
    CacheEntry,
    CreditsState,
    Settlement,
)
from ai_service.pipeline.run import Outcome, Spec
from ai_service.scope import Scope

CACHED = "cached"
FREE_PLAN = "free"


# A page's position: the last analysis's creation time and id (newest first).
CURSOR = TypeAdapter(tuple[datetime, uuid.UUID])


def encode_cursor(analysis: Analysis) -> str:
    return pagination.encode_cursor((analysis.created_at, analysis.id))


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    return pagination.decode_cursor(cursor, CURSOR)


def remap(result: dict[str, Any], ids: dict[uuid.UUID, uuid.UUID]) -> dict[str, Any]:
    """A cached answer with the photo ids of the analysis that made it replaced by the asker's."""
    answer = AnalysisResult.model_validate(result)
    label = answer.label_image_id
    updated = answer.model_copy(
        update={
            "label_image_id": ids.get(label, label) if label else None,
            "photos_read": [ids.get(i, i) for i in answer.photos_read],
            "flaws": [
                f.model_copy(update={"image_id": ids.get(f.image_id, f.image_id)}) if f.image_id else f
                for f in answer.flaws
            ],
        }
    )
    return updated.model_dump(mode="json")


class AnalysisService:
    """The tenant's analyses."""

    async def photo_limit(self, scope: Scope) -> PhotoLimit:
        plan = await repo.plan(scope.session)
        if plan is None:
            return PhotoLimit(
                plan=FREE_PLAN, photos_per_analysis=scope.context.settings.free_photos_per_analysis
            )
        return PhotoLimit(plan=plan.plan, photos_per_analysis=plan.photos_per_analysis)

    async def photo_deleted(self, scope: Scope, image_id: uuid.UUID) -> None:
        await repo.forget_photo(scope.session, image_id)

    async def set_plan(self, scope: Scope, plan: str, photos: int, changed_at: datetime) -> None:
        await repo.set_plan(scope.session, plan, max(1, photos), changed_at)

    async def request(
        self, scope: Scope, body: AnalysisRequest, idempotency_key: str | None
    ) -> tuple[Analysis, bool]:
        """The analysis for ``body`` and whether it is new (False: the same request seen before).

        No database connection is held while media-service or billing-service answers: each call comes
        between two short transactions (``# commit:`` below), and the analysis is recorded before its
        credits are reserved, so an asker that dies at any point leaves a row the worker takes over.
        """
        session = scope.session
        ask = await self._ask(scope, body)
        if idempotency_key is not None:
            seen = await repo.by_idempotency_key(session, idempotency_key)
            if seen is not None:
                if seen.fingerprint != ask.fingerprint:
                    raise errors.IdempotencyKeyReused()
                return await self._join(scope, seen), False
        joined = await repo.in_flight(session, ask.fingerprint)
        if joined is not None:
            return joined, False
        # Photos whose hashes media-service gave before are looked up in the cache without asking it
        # again (an image's bytes never change; a deleted one is forgotten on `media.image.deleted`).
        known = await repo.known_hashes(session, ask.image_ids)
        hashes = [known[i] for i in ask.image_ids] if all(i in known for i in ask.image_ids) else None
        hit = await repo.cached(session, ask.cache_key(hashes), utcnow()) if hashes is not None else None
        if hit is None:
            await session.commit()  # commit: no connection held while media-service answers
            resolved = await self._resolve(scope, ask.image_ids)
            unknown = {i: h for i, h in zip(ask.image_ids, resolved, strict=True) if known.get(i) != h}
            if unknown:
                await repo.remember_hashes(session, unknown)
            if resolved != hashes:
                hit = await repo.cached(session, ask.cache_key(resolved), utcnow())
            hashes = resolved
        assert hashes is not None, "known or resolved"
        analysis = ask.analysis(analysis_id_for(scope.tenant_id, idempotency_key), idempotency_key, hashes)
        if hit is not None:
            return await self._answer_from_cache(scope, analysis, hit)
        return await self._reserve_and_queue(scope, analysis)

    async def _ask(self, scope: Scope, body: AnalysisRequest) -> Ask:
        """What the request asks for: its photos, label, cap, language, and the fingerprint of all that."""
        ctx = scope.context
        image_ids, label = body.image_ids, body.label_image_id
        if image_ids is None:
            last = await repo.latest_for_product(scope.session, body.product_id) if body.product_id else None
            if last is None:
                raise errors.PhotosRequired(
                    "This product has not been analysed yet; send its photos as image_ids."
                )
            image_ids, label = list(last.image_ids), label or last.label_image_id
        limit = min((await self.photo_limit(scope)).photos_per_analysis, ctx.settings.max_photos)
        # The request's language, else the one the account's owner chose in their profile, else the service's.
        language = (
            body.language or await member_service.default_language(scope) or ctx.settings.default_language
        )
        return Ask(
            product_id=body.product_id,
            image_ids=list(image_ids),
            label=label,
            limit=limit,
            language=language,
            notes=body.notes,
            prompt_version=ctx.prompt_version,
            provider=ctx.vision.name,
            model=ctx.model,
            text_model=ctx.text_model,
        )

    @staticmethod
    async def _resolve(scope: Scope, image_ids: list[uuid.UUID]) -> list[str]:
        """The photos' content hashes, from media-service (422 for a photo the tenant does not have)."""
        try:
            images = await scope.context.media.require(scope.tenant_id, image_ids)
        except PhotoMissing as exc:
            raise errors.PhotoNotFound(str(exc), image_id=str(exc.image_id)) from exc
        except MediaDown as exc:
            raise errors.MediaUnavailable() from exc
        return [image.content_hash for image in images]

    async def _answer_from_cache(
        self, scope: Scope, analysis: Analysis, hit: CacheEntry
    ) -> tuple[Analysis, bool]:
        ctx = scope.context
        await repo.count_hit(scope.session, hit.key)
        result = remap(hit.result, dict(zip(hit.image_ids, analysis.image_ids, strict=True)))
        analysis.complete(result, pipeline=CACHED, usage=[], cached=True, at=utcnow())
        winner = await self._insert(scope, analysis, queued=False)
        if winner is None:
            self._emit_completed(scope, analysis)
            ctx.ai_metrics.analyses.labels(CACHED).inc()
        return winner or analysis, winner is None

    async def _reserve_and_queue(self, scope: Scope, analysis: Analysis) -> tuple[Analysis, bool]:
        """Record the analysis with its job (not due before the asker's grace), reserve its price at billing
        with no connection held, then make the job due. An asker that dies before that leaves the job to
        the worker, which reserves with the same key (billing answers the same hold) or reports the failure.
        """
        settings = scope.context.settings
        winner = await self._insert(scope, analysis, queued=True, due_in=asker_grace(settings))
        if winner is not None:
            return await self._join(scope, winner), False
        await scope.session.commit()  # commit: the analysis is recorded before billing holds its credits
        return await self._reserve(scope, analysis), True

    async def _join(self, scope: Scope, seen: Analysis) -> Analysis:
        """The analysis asked before with the same key; if its asker is still reserving, this request
        reserves with the same key too, so both answer what billing decided (the same hold, or 402)."""
        if seen.status.finished or seen.cached or seen.credits_state is not CreditsState.NONE:
            return seen
        await scope.session.commit()  # commit: no connection held while billing answers
        return await self._reserve(scope, seen)

    async def _reserve(self, scope: Scope, analysis: Analysis) -> Analysis:
        """Hold the analysis's price at billing (no connection held meanwhile), then make its job due."""
        session, price = scope.session, scope.context.settings.analysis_price_credits
        key = reservation_key(analysis.id)
        try:
            reason = f"AI analysis of {len(analysis.image_ids)} photos"
            await scope.context.credits.reserve(scope.tenant_id, price, key, reason)
        except CreditsExhausted as exc:
            await self._withdraw(scope, analysis)
            raise errors.CreditsExhausted(
                f"An analysis costs {price} credit{'s' if price > 1 else ''}; "
                f"you have {exc.credits_left if exc.credits_left is not None else 'none'} left.",
                credits_needed=price,
                credits_left=exc.credits_left,
                monthly_left=exc.monthly_left,
                purchased_left=exc.purchased_left,
            ) from exc
        except BillingUnavailable as exc:
            # The hold may exist (an answer lost on the way): billing releases it when it expires.
            await self._withdraw(scope, analysis)
            raise errors.BillingUnavailable() from exc
        job = await repo.job(session, analysis.id)
        current = await repo.get(session, analysis.id, fresh=True)
        if current is None:  # withdrawn by a request with the same key that billing failed: its hold expires
            raise errors.BillingUnavailable()
        if job is not None and job.unclaimed:
            current.hold_credits(price, key)
            job.due(utcnow())
            await session.flush()
        # Otherwise a worker took the job over while billing was slow: it reserved with the same key.
        return current

    async def _withdraw(self, scope: Scope, analysis: Analysis) -> None:
        """Forget an analysis whose credits could not be reserved, unless a worker took it over or a request
        with the same key got them held meanwhile."""
        session = scope.session
        job = await repo.job(session, analysis.id)
        current = await repo.get(session, analysis.id, fresh=True)
        if job is not None and job.unclaimed and current and current.credits_state is CreditsState.NONE:
            await session.delete(job)
            await session.delete(current)
        await session.commit()  # commit: the refusal's cleanup must survive the error answer's rollback

    async def _insert(
        self, scope: Scope, analysis: Analysis, *, queued: bool, due_in: timedelta | None = None
    ) -> Analysis | None:
        """Add the analysis (and its job); the analysis that won when the same Idempotency-Key came twice
        at once (same analysis id, so the same reservation key at billing), else None."""

        def add() -> None:
            scope.session.add(analysis)
            if queued:
                job = AnalysisJob(analysis_id=analysis.id, tenant_id=scope.tenant_id, attempts=0)
                job.available_at = utcnow() + (due_in or timedelta())
                scope.session.add(job)

        if analysis.idempotency_key is None:  # a random id: nothing to meet, no savepoint to pay for
            add()
            await scope.session.flush()
            return None
        try:
            async with scope.session.begin_nested():
                add()
        except IntegrityError:
            key = analysis.idempotency_key
            winner = await repo.by_idempotency_key(scope.session, key) if key else None
            if winner is None:
                raise
            return winner
        return None

    async def get(self, scope: Scope, analysis_id: uuid.UUID) -> Analysis:
        analysis = await repo.get(scope.session, analysis_id)
        if analysis is None:
            raise errors.AnalysisNotFound()
        return analysis

    async def page(
        self,
        scope: Scope,
        *,
        product_id: uuid.UUID | None,
        status: AnalysisStatus | None,
        limit: int,
        cursor: str | None,
    ) -> AnalysisPage:
        after = decode_cursor(cursor) if cursor else None
        rows = await repo.page(
            scope.session, product_id=product_id, status=status, after=after, limit=limit + 1
        )
        items = rows[:limit]
        return AnalysisPage(
            items=[self.render(a) for a in items],
            next_cursor=encode_cursor(items[-1]) if len(rows) > limit else None,
        )

    def render(self, analysis: Analysis) -> AnalysisOut:
        error = (
            AnalysisError(
                code=analysis.error_code,
                detail=analysis.error_detail or "",
                retryable=bool(analysis.retryable),
            )
            if analysis.error_code
            else None
        )
        return AnalysisOut(
            id=analysis.id,
            status=analysis.status,
            product_id=analysis.product_id,
            image_ids=list(analysis.image_ids),
            label_image_id=analysis.label_image_id,
            language=analysis.language,
            photo_limit=analysis.photo_limit,
            cached=analysis.cached,
            credits=analysis.credits,
            credits_state=analysis.credits_state,
            pipeline=analysis.pipeline,
            prompt_version=analysis.prompt_version,
            provider=analysis.provider,
            model=analysis.model,
            result=AnalysisResult.model_validate(analysis.result) if analysis.result else None,
            error=error,
            usage=[StepUsage.model_validate(u) for u in analysis.usage],
            created_at=analysis.created_at,
            finished_at=analysis.finished_at,
        )

    # -- the worker's side ---------------------------------------------------------------------------

    async def start(self, scope: Scope, analysis_id: uuid.UUID) -> Spec | None:
        """Mark the analysis running; None when it is already decided (a job run twice)."""
        analysis = await repo.get(scope.session, analysis_id, lock=True)
        if analysis is None or analysis.status.finished:
            return None
        analysis.start(at=utcnow())
        await scope.session.flush()
        return Spec(
            tenant_id=scope.tenant_id,
            image_ids=list(analysis.image_ids),
            label_image_id=analysis.label_image_id,
            photo_limit=analysis.photo_limit,
            language=analysis.language,
            notes=analysis.notes,
        )

    async def succeed(self, scope: Scope, analysis_id: uuid.UUID, outcome: Outcome) -> None:
        """Record the answer, cache it, tell catalog, and leave the credits to be committed."""
        analysis = await self._decidable(scope, analysis_id)
        if analysis is None:
            return
        analysis.complete(
            outcome.result.model_dump(mode="json"),
            pipeline=outcome.pipeline,
            usage=[u.model_dump() for u in outcome.usage],
            cached=False,
            at=utcnow(),
        )
        await repo.keep(scope.session, analysis, timedelta(days=scope.context.settings.cache_ttl_days))
        self._emit_completed(scope, analysis)
        await self._settle_later(scope, analysis, Settlement.COMMIT)

    async def fail(
        self,
        scope: Scope,
        analysis_id: uuid.UUID,
        code: str,
        detail: str,
        *,
        retryable: bool,
        usage: list[StepUsage],
    ) -> None:
        """Record the failure, tell catalog, and leave the credits to be released."""
        analysis = await self._decidable(scope, analysis_id)
        if analysis is None:
            return
        analysis.fail(code, detail, retryable=retryable, usage=[u.model_dump() for u in usage], at=utcnow())
        scope.emit(
            AnalysisFailed(
                analysis_id=analysis.id,
                product_id=analysis.product_id,
                code=code,
                reason=detail,
                retryable=retryable,
            )
        )
        await self._settle_later(scope, analysis, Settlement.RELEASE)

    async def held(self, scope: Scope, analysis_id: uuid.UUID, amount: int, key: str) -> None:
        """Billing holds the price of an analysis whose asker died before recording it (the worker's take)."""
        analysis = await repo.get(scope.session, analysis_id, lock=True)
        if analysis is not None and analysis.credits_state is CreditsState.NONE:
            analysis.hold_credits(amount, key)
        await scope.session.flush()

    async def settled(self, scope: Scope, analysis_id: uuid.UUID, state: CreditsState) -> None:
        """Billing acknowledged the commit or the release: the job is over."""
        analysis = await repo.get(scope.session, analysis_id, lock=True)
        if analysis is not None:
            analysis.settled(state)
        job = await repo.job(scope.session, analysis_id)
        if job is not None:
            await scope.session.delete(job)
        await scope.session.flush()

    async def retry_later(self, scope: Scope, analysis_id: uuid.UUID, at: datetime, error: str) -> None:
        job = await repo.job(scope.session, analysis_id)
        if job is not None:
            job.retry_at(at, error)
        analysis = await repo.get(scope.session, analysis_id, lock=True)
        if analysis is not None and not analysis.status.finished:
            analysis.requeue()
        await scope.session.flush()

    async def _decidable(self, scope: Scope, analysis_id: uuid.UUID) -> Analysis | None:
        analysis = await repo.get(scope.session, analysis_id, lock=True)
        return None if analysis is None or analysis.status.finished else analysis

    async def _settle_later(self, scope: Scope, analysis: Analysis, settlement: Settlement) -> None:
        job = await repo.job(scope.session, analysis.id)
        if job is not None:
            if analysis.reservation_key:
                job.settle_later(settlement, analysis.reservation_key, at=utcnow())
            else:
                await scope.session.delete(job)
        await scope.session.flush()

    def _emit_completed(self, scope: Scope, analysis: Analysis) -> None:
        assert analysis.result is not None, "a completed analysis has a result"
        result = AnalysisResult.model_validate(analysis.result)
        scope.emit(
            AnalysisCompleted(
                analysis_id=analysis.id,
                product_id=analysis.product_id,
                image_ids=list(analysis.image_ids),
                label_image_id=result.label_image_id,
                language=analysis.language,
                attributes=result.attributes,
                flaws=result.flaws,
                drafts=result.drafts,
                price=result.price,
                cached=analysis.cached,
                # The held price, committed at billing once this is decided; a cached answer holds none.
                credits_spent=0 if analysis.cached else analysis.credits,
            )
        )


analysis_service = AnalysisService()
