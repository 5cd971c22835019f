"""Bulk operations: each product in its own savepoint, so one refusal leaves the others applied."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from vitrine_contracts.common import Marketplace
from vitrine_kit.errors import ProblemError, Unprocessable

from catalog_service.models import Product
from catalog_service.products.schemas import BulkAction, BulkRequest, BulkResponse, BulkResult, ProductFields
from catalog_service.products.service import product_service
from catalog_service.publications.service import publication_service
from catalog_service.scope import Scope


def problem(exc: ProblemError) -> dict[str, object]:
    return {"code": exc.code, "title": exc.title, "detail": exc.detail, **exc.extra}


class BulkService:
    """Runs one action over many products and reports a result for each."""

    async def run(self, scope: Scope, body: BulkRequest) -> BulkResponse:
        action = self._action(scope, body)
        results = []
        for product_id in dict.fromkeys(body.ids):
            try:
                async with scope.session.begin_nested():
                    product = await action(product_id)
                out = await product_service.render(scope, product) if product is not None else None
                results.append(BulkResult(id=product_id, ok=True, status=200, product=out))
            except ProblemError as exc:
                results.append(BulkResult(id=product_id, ok=False, status=exc.status, error=problem(exc)))
        ok = sum(1 for r in results if r.ok)
        return BulkResponse(succeeded=ok, failed=len(results) - ok, results=results)

    def _action(self, scope: Scope, body: BulkRequest) -> Callable[[uuid.UUID], Awaitable[Product | None]]:
        if body.action == BulkAction.UPDATE:
            if body.fields is None:
                raise Unprocessable(
                    "fields is required for update", errors=[{"field": "fields", "message": "required"}]
                )
            fields: ProductFields = body.fields
            return lambda pid: product_service.update(scope, pid, fields, None)
        if body.action == BulkAction.STATUS:
            if body.status is None:
                raise Unprocessable("status is required", errors=[{"field": "status", "message": "required"}])
            status = body.status
            return lambda pid: product_service.change_status(scope, pid, status, None)
        if body.action == BulkAction.RESTORE:
            return lambda pid: product_service.restore(scope, pid)
        if body.action == BulkAction.DELETE:

            async def delete(pid: uuid.UUID) -> None:
                await product_service.delete(scope, pid, None)

            return delete
        try:
            marketplaces = [Marketplace(m) for m in body.marketplaces or []]
        except ValueError as exc:
            raise Unprocessable(str(exc), errors=[{"field": "marketplaces", "message": str(exc)}]) from exc
        if not marketplaces:
            raise Unprocessable(
                "marketplaces is required", errors=[{"field": "marketplaces", "message": "required"}]
            )

        async def publish(pid: uuid.UUID) -> Product:
            await publication_service.request(scope, pid, marketplaces)
            return await product_service.get(scope, pid)

        return publish


bulk_service = BulkService()
