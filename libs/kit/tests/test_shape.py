"""The shape lints (deploy/lint_shape.py) catch what they say, and the workspace has no offence."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
import lint_shape  # noqa: E402
from fleet_table import process  # noqa: E402
from lint_shape import Offence, Source  # noqa: E402

MODELS = lint_shape.MODEL_ROOTS | {"Product"}


def found(rel: str, code: str) -> list[Offence]:
    source = Source.parse(rel, code)
    return [o for check in lint_shape.CHECKS for o in check(source, MODELS)]


def rules(rel: str, code: str) -> list[str]:
    return [o.rule for o in found(rel, code)]


CATALOG = "catalog-service/src/catalog_service/products/endpoints.py"


class TestImports:
    def test_a_service_importing_another_is_caught(self) -> None:
        assert rules(CATALOG, "from auth_service.models import User\n") == ["service-imports-service"]
        assert rules("libs/kit/src/vitrine_kit/x.py", "import media_service.config\n") == [
            "service-imports-service"
        ]

    def test_itself_libs_contracts_and_sandboxes_in_tests_are_allowed(self) -> None:
        code = "from catalog_service.scope import Scope\nimport vitrine_kit\nfrom vitrine_contracts import events\n"
        assert rules(CATALOG, code) == []
        assert rules("marketplace-ebay/tests/test_x.py", "from sandbox_ebay.app import create_app\n") == []

    def test_a_sandbox_in_a_services_source_is_caught(self) -> None:
        assert rules("marketplace-ebay/src/marketplace_ebay/x.py", "import sandbox_ebay\n") == [
            "service-imports-service"
        ]


class TestEndpoints:
    def test_dicts_any_and_missing_annotations_are_caught(self) -> None:
        code = """
@router.get("/a")
async def a() -> dict[str, Any]: ...
@router.get("/b")
async def b(): ...
@router.post("/c", response_model=dict)
async def c() -> Product: ...
@router.get("/d")
async def d() -> list[str]: ...
@router.delete("/e")
async def e() -> None: ...
"""
        assert [o.symbol for o in found(CATALOG, code) if o.rule == "response-model"] == [
            "a",
            "b",
            "c",
            "d",
            "e",
        ]

    def test_models_lists_responses_and_204_are_fine(self) -> None:
        code = """
@router.get("/a")
async def a() -> Product: ...
@router.get("/b")
async def b() -> list[Product]: ...
@router.get("/c", response_model=list[Product])
async def c() -> Any: ...
@router.get("/d", status_code=307, response_class=RedirectResponse)
async def d() -> RedirectResponse: ...
@router.delete("/e", status_code=status.HTTP_204_NO_CONTENT)
async def e() -> None: ...
@router.get("/f")
async def f() -> Annotated[Product, "x"] | None: ...
"""
        assert rules(CATALOG, code) == []

    def test_models_are_found_through_their_bases(self) -> None:
        sources = [
            Source.parse("libs/kit/src/vitrine_kit/schemas.py", "class Base(BaseModel): ...\n"),
            Source.parse(CATALOG, "class Product(Base): ...\nclass Plain: ...\n"),
        ]
        models = lint_shape.model_classes(sources)
        assert "Product" in models
        assert "Plain" not in models

    def test_the_lint_sees_every_endpoint(self) -> None:
        catalog = Source.parse(CATALOG, (ROOT / CATALOG).read_text())
        assert any(lint_shape.route(fn) for fn in lint_shape.functions(catalog.tree))


class TestHabits:
    def test_dict_any_returns_in_endpoint_modules(self) -> None:
        code = "def out(x) -> dict[str, Any]: ...\n"
        assert rules(CATALOG, code) == ["dict-any-return"]
        assert rules("catalog-service/src/catalog_service/products/service.py", code) == []

    def test_asserting_a_tenant_id(self) -> None:
        code = "def f(ctx):\n    assert ctx.tenant_id is not None\n    assert ctx.tenants is not None\n"
        assert rules("catalog-service/src/catalog_service/consumers.py", code) == ["tenant-assert"]

    def test_commit_in_a_service(self) -> None:
        code = "async def f(session):\n    await session.flush()\n    await session.commit()\n"
        assert rules("catalog-service/src/catalog_service/products/service.py", code) == ["commit-in-service"]
        assert rules("catalog-service/src/catalog_service/deps.py", code) == []

    def test_a_commit_that_says_why_is_a_documented_exception(self) -> None:
        service = "catalog-service/src/catalog_service/products/service.py"
        why = "async def f(s):\n    await s.commit()  # commit: the counter must survive a rollback\n"
        assert rules(service, why) == []
        for bare in ("# commit:", "# commit: needed", "# commit: see above", "# commits survive a rollback"):
            [offence] = found(service, f"async def f(s):\n    await s.commit()  {bare}\n")
            assert offence.rule == "commit-in-service", bare
        [short] = found(service, "async def f(s):\n    await s.commit()  # commit: needed\n")
        assert "does not say why" in short.what

    def test_a_reason_the_formatter_moved_to_the_statement_s_last_line_counts(self) -> None:
        code = "async def f(s):\n    await (\n        s.commit()\n    )  # commit: the counter must survive a rollback\n"
        assert rules("catalog-service/src/catalog_service/products/service.py", code) == []

    def test_a_reason_on_another_line_does_not_count(self) -> None:
        code = "async def f(s):\n    # commit: the counter must survive a rollback\n    await s.commit()\n"
        assert rules("catalog-service/src/catalog_service/products/service.py", code) == ["commit-in-service"]

    def test_http_exception_relationship_and_secrets(self) -> None:
        code = """
raise HTTPException(status_code=404)
owner = relationship("User")
kept = relationship("Tag", lazy="raise")
class Settings(BaseServiceSettings):
    client_secret: str = "x"
    api_key: SecretStr = SecretStr("y")
"""
        assert rules("catalog-service/src/catalog_service/x.py", code) == [
            "http-exception",
            "relationship-lazy",
            "secret-str",
        ]

    def test_long_files(self) -> None:
        assert rules(CATALOG, "x = 1\n" * 501) == ["file-length"]

    def test_public_functions_of_libs_have_docstrings(self) -> None:
        code = 'def f(): ...\ndef _g(): ...\ndef h():\n    """Why."""\n'
        assert rules("libs/kit/src/vitrine_kit/x.py", code) == ["public-docstring"]
        assert rules(CATALOG, code) == []

    def test_dependencies_as_annotated_aliases(self) -> None:
        code = """
@router.get("/a")
async def a(session: Session = Depends(get_session), q: str = Query("x")) -> Product: ...
@router.get("/b")
async def b(session: TenantSession, q: Annotated[str, Query()] = "x") -> Product: ...
"""
        assert sorted(o.symbol for o in found(CATALOG, code)) == ["a.q", "a.session"]

    def test_statuses_listed_in_a_comment(self) -> None:
        code = "class Job:\n    status: Mapped[str] = col()  # queued | done\n    state: JobState\n"
        assert rules("catalog-service/src/catalog_service/models.py", code) == ["status-enum"]

    def test_the_skeleton_of_a_service_with_a_database(self) -> None:
        assert "migrations/tenant" in lint_shape.skeleton(process("catalog-service"))
        assert "migrations/tenant" not in lint_shape.skeleton(process("relay-service"))


def test_the_workspace_has_no_offence(capsys) -> None:
    assert lint_shape.main([]) == 0, capsys.readouterr().out
