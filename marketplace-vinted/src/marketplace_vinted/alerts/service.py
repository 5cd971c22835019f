"""Alerts: raised once per subject, resolved when what they are about is over."""

from __future__ import annotations

from marketplace_vinted.alerts import repository as repo
from marketplace_vinted.alerts.schemas import AlertOut, AlertPage
from marketplace_vinted.jobs import repository as jobs_repo
from marketplace_vinted.models import Alert, AlertKind
from marketplace_vinted.scope import Scope

WAITING_DELIST = "An item sold elsewhere is still on Vinted: open your browser with the Vitrine plugin so it can be deleted."


class AlertService:
    async def open(self, scope: Scope, *, limit: int, cursor: str | None) -> AlertPage:
        alerts, next_cursor = await repo.open_alerts(scope.session, limit=limit, cursor=cursor)
        return AlertPage(items=[AlertOut.model_validate(a) for a in alerts], next_cursor=next_cursor)

    async def raise_once(
        self, scope: Scope, kind: AlertKind, message: str, subject: str | None = None
    ) -> None:
        """An alert unless one of this kind about ``subject`` is open already."""
        if subject in await repo.open_subjects(scope.session, kind):
            return
        scope.session.add(Alert(kind=kind, message=message, subject=subject))

    async def resolve_kind(self, scope: Scope, kind: AlertKind) -> None:
        await repo.resolve(scope.session, Alert.kind == kind)

    async def resolve_subject(self, scope: Scope, subject: str) -> None:
        await repo.resolve(scope.session, Alert.subject == subject)

    async def waiting_delists(self, scope: Scope) -> None:
        """One open ``delist_waiting_for_plugin`` alert per delist still waiting (none twice)."""
        kind = AlertKind.DELIST_WAITING_FOR_PLUGIN
        already = await repo.open_subjects(scope.session, kind)
        for publication_id in await jobs_repo.waiting_delist_publications(scope.session) - already:
            scope.session.add(Alert(kind=kind, message=WAITING_DELIST, subject=publication_id))


alert_service = AlertService()
