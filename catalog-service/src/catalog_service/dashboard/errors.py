"""Errors of the dashboard's query parameters (422, naming the parameter)."""

from __future__ import annotations

from vitrine_kit.errors import Unprocessable


class InvalidPeriod(Unprocessable):
    code, title = "invalid-period", "The period asked for is not valid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            f"{field}: {message}",
            errors=[{"field": f"query.{field}", "message": message, "type": "value_error"}],
        )
