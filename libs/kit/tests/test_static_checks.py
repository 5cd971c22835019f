"""Application code must never set ``search_path`` nor run ``text()`` SQL (ARCHITECTURE.md §3)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Shared-schema DDL helpers where text() only spells a partial-index predicate.
ALLOWED_TEXT = {"libs/kit/src/vitrine_kit/db/models.py"}


def application_files() -> list[Path]:
    files = []
    for src in [*ROOT.glob("*/src"), *ROOT.glob("*/*/src")]:
        for path in src.rglob("*.py"):
            if any("migrations" in part for part in path.parts):
                continue
            files.append(path)
    return files


def root_name(node: ast.expr) -> str:
    """``sa.sql.text`` → ``sa``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def text_sql_lines(source: str) -> list[int]:
    """Lines that import SQLAlchemy's ``text`` or call it (``text(...)``, ``sa.text(...)``), not any ``.text()``."""
    tree = ast.parse(source)
    modules, functions, lines = set(), set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"}
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            modules |= {a.asname or a.name for a in node.names if a.name == "sql"}
            named = {a.asname or a.name for a in node.names if a.name in {"text", "TextClause"}}
            functions |= named
            if named:
                lines.append(node.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            if (isinstance(fn, ast.Name) and fn.id in functions) or (
                isinstance(fn, ast.Attribute)
                and fn.attr in {"text", "TextClause"}
                and root_name(fn.value) in modules
            ):
                lines.append(node.lineno)
    return sorted(lines)


class TestNoTenantBypass:
    def test_the_check_sees_the_services(self) -> None:
        names = {p.relative_to(ROOT).parts[0] for p in application_files()}
        assert {"libs", "contracts", "auth-service"} <= names

    def test_no_search_path(self) -> None:
        offenders = [
            str(p.relative_to(ROOT)) for p in application_files() if "search_path" in p.read_text().lower()
        ]
        assert offenders == [], f"search_path appears in application code: {offenders}"

    def test_the_detector_catches_text_sql(self) -> None:
        sample = (
            "import sqlalchemy as sa\nfrom sqlalchemy import text\nq = sa.text('select 1')\nr = text('x')\n"
        )
        assert text_sql_lines(sample) == [2, 3, 4]

    def test_the_detector_ignores_other_text_methods(self) -> None:
        assert text_sql_lines("title = params.text('title')\nbody = response.text()\n") == []

    def test_no_text_sql(self) -> None:
        offenders = []
        for path in application_files():
            rel = str(path.relative_to(ROOT))
            if rel not in ALLOWED_TEXT:
                offenders += [f"{rel}:{line}" for line in text_sql_lines(path.read_text())]
        assert offenders == [], f"text() SQL in application code: {offenders}"
