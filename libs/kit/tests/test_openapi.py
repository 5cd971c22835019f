"""Every service's OpenAPI documents its errors as the problem+json it sends, with stable operation ids."""

from __future__ import annotations

from typing import Any

import pytest
from vitrine_kit.errors import PROBLEM_JSON


class TestProblemOpenApi:
    def spec(self, fixture_app: Any) -> dict[str, Any]:
        spec: dict[str, Any] = fixture_app(service_name="kittest-service").openapi()
        return spec

    @pytest.mark.unit
    def test_422_and_every_other_error_are_problem_json(self, fixture_app: Any) -> None:
        spec = self.spec(fixture_app)
        operation = spec["paths"]["/markers"]["post"]
        for status in ("422", "default"):
            content = operation["responses"][status]["content"]
            assert list(content) == [PROBLEM_JSON]
            assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
        schemas = spec["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        assert schemas["Problem"]["properties"]["detail"]["anyOf"][0] == {"type": "string"}

    @pytest.mark.unit
    def test_operation_ids_name_the_service_and_the_endpoint(self, fixture_app: Any) -> None:
        spec = self.spec(fixture_app)
        assert spec["paths"]["/markers"]["post"]["operationId"] == "kittest_add_marker"
        assert spec["paths"]["/markers"]["get"]["operationId"] == "kittest_list_markers"

    async def test_a_validation_error_matches_the_documented_schema(self, fixture_app: Any) -> None:
        from vitrine_kit.openapi import Problem
        from vitrine_kit.testing.app import running_app

        app = fixture_app(service_name="kittest-service")
        async with running_app(app, wait_broker=False) as (client, _runtime):
            response = await client.post("/markers", json={"nope": 1}, headers={"authorization": "Bearer x"})
        # 401 before validation: the token is checked first; both are problems.
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        Problem.model_validate(response.json())
