"""The committed public API document: current, and trustworthy for a client generator."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

BUILD = Path(__file__).resolve().parents[1] / "build.py"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("openapi_build", BUILD)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return load_build()


@pytest.fixture(scope="module")
def spec(build: ModuleType) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(build.OUTPUT.read_text())
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]


@pytest.mark.unit
class TestCommittedDocument:
    def test_it_is_what_the_services_publish_now(self, build: ModuleType) -> None:
        assert build.main(["--check"]) == 0, "run: uv run --frozen python contracts/openapi/build.py"

    def test_operation_ids_are_unique_readable_names(self, spec: dict[str, Any]) -> None:
        ids = [op["operationId"] for _, _, op in operations(spec)]
        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(r"[a-z]+_[a-z0-9_]+", i) for i in ids), ids

    def test_each_operation_has_one_tag_and_no_tag_is_shared_by_two_services(
        self, spec: dict[str, Any]
    ) -> None:
        owners: dict[str, set[str]] = {}
        for _, _, op in operations(spec):
            assert len(op["tags"]) == 1, op["operationId"]
            owners.setdefault(op["tags"][0], set()).add(op["x-vitrine-service"])
        assert {tag: names for tag, names in owners.items() if len(names) > 1} == {}
        assert "ebay accounts" in owners
        assert [t["name"] for t in spec["tags"]] == sorted(owners)

    def test_every_error_is_documented_as_a_problem(self, spec: dict[str, Any]) -> None:
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for method, path, op in operations(spec):
            responses = op["responses"]
            assert "default" in responses, f"{method} {path}"
            for status, response in responses.items():
                if status == "default" or int(status) >= 400:
                    content = {k: {"schema": v["schema"]} for k, v in response["content"].items()}
                    assert content == problem, f"{method} {path} {status}"
            if op.get("security"):
                assert {"401", "403"} <= set(responses), f"{method} {path}"

    def test_creating_posts_take_an_idempotency_key(self, spec: dict[str, Any]) -> None:
        create = spec["paths"]["/api/catalog/products"]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
        assert "Idempotency-Replayed" in create["responses"]["201"]["headers"]
        assert {"409", "422"} <= set(create["responses"])

    @pytest.mark.parametrize(
        "operation_id",
        [
            "auth_register",
            "auth_login",
            "catalog_create_product",
            "catalog_publish",
            "ai_request_analysis",
            "billing_checkout_subscription",
            "billing_checkout_credits",
        ],
    )
    def test_the_main_operations_show_a_valid_example(self, spec: dict[str, Any], operation_id: str) -> None:
        (op,) = [op for _, _, op in operations(spec) if op["operationId"] == operation_id]
        body = op["requestBody"]["content"]["application/json"]
        schema = {**body["schema"], "components": spec["components"]}
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(body["example"])]
        assert errors == []
