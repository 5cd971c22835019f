"""Lints that keep the code's shape (CONVENTIONS.md), on the syntax tree only: no database, broker or import.

    uv run python deploy/lint_shape.py          # `make lint`: every offence fails, with file:line

There is no allow-list. The one documented exception is a deliberate commit in a service or repository (a
counter that must survive the handler's rollback, work outside any request): it carries a trailing
``# commit: <why>`` comment on the call's line, and the lint checks that it says why.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fleet_table import PROCESSES, ROOT, Process, available

SERVICE_MODULES = {p.module: p.folder for p in PROCESSES if p.kind == "service"}
SANDBOX_MODULES = {p.module: p.folder for p in PROCESSES if p.kind == "sandbox"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}
# Classes an endpoint may declare: Pydantic models and Starlette/FastAPI responses (and their subclasses).
MODEL_ROOTS = {
    "BaseModel",
    "RootModel",
    "Response",
    "JSONResponse",
    "ORJSONResponse",
    "HTMLResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "StreamingResponse",
    "FileResponse",
}
CONTAINERS = {"list", "List", "Sequence", "Annotated", "Optional"}
SECRET_NAME = re.compile(r"(secret|password|api_key|private_key|token_key)s?$")
TENANT_ID = re.compile(r"^(tenant|tenant_id|tid)$")
MAX_LINES = 500
# A deliberate commit's trailing comment; the reason must be a few words, not a token.
COMMIT_REASON = re.compile(r"#\s*commit:\s*(?P<why>.*)$")
MIN_REASON_WORDS = 3

RULES = {
    "service-imports-service": "a service imports only libs/, contracts/ and itself (sandboxes in its tests)",
    "response-model": "an endpoint declares a Pydantic model, a list of models or a Response (None for 204)",
    "dict-any-return": "no `dict[str, Any]` returned from an endpoints or api module",
    "tenant-assert": "no `assert <tenant id> is not None`: a type that cannot be None says it",
    "commit-in-service": (
        "services and repositories flush(); the request or message runner commits; a deliberate commit says"
        " why in a trailing `# commit: <why>` comment on its line"
    ),
    "http-exception": "domain errors (problem+json), not HTTPException, in services",
    "relationship-lazy": 'relationships are lazy="raise"',
    "secret-str": "secrets in Settings are SecretStr",
    "file-length": f"a source file stays under {MAX_LINES} lines (split by concern)",
    "public-docstring": "public functions of libs/ and contracts/ have a docstring",
    "annotated-deps": "endpoint parameters are Annotated aliases, not `= Depends(...)` / `= Query(...)` defaults",
    "status-enum": "a status is an enum the model uses, not a string with its values in a comment",
    "skeleton": "every service has the same skeleton (README, Dockerfile, main/config/api, migrations, tests)",
}


@dataclass(frozen=True)
class Offence:
    rule: str
    path: str
    line: int
    symbol: str
    what: str

    @property
    def key(self) -> str:
        return f"{self.path}::{self.symbol}" if self.symbol else self.path

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.what}"


@dataclass(frozen=True)
class Source:
    path: Path
    rel: str
    text: str
    tree: ast.Module

    @classmethod
    def parse(cls, rel: str, text: str) -> Source:
        """A file at ``rel`` (relative to the repository root) holding ``text``."""
        return cls(ROOT / rel, rel, text, ast.parse(text, rel))

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1

    @property
    def in_src(self) -> bool:
        return "/src/" in f"/{self.rel}"


def package_roots() -> list[Path]:
    """Folders of the workspace's own code: libs, contracts and every process's folder."""
    roots = [*sorted((ROOT / "libs").glob("*")), ROOT / "contracts"]
    roots += [ROOT / f for f in dict.fromkeys(p.folder for p in PROCESSES)]
    return [r for r in roots if r.is_dir()]


def sources(roots: list[Path]) -> Iterator[Source]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(ROOT)
            if {".venv", "node_modules"} & set(rel.parts) or "versions" in rel.parts:
                continue
            yield Source.parse(str(rel), path.read_text())


def owner(rel: str) -> str:
    """The top folder of a path as the table knows it (``sandbox/ebay``, ``auth-service``, ``libs/kit``)."""
    parts = rel.split("/")
    return "/".join(parts[:2]) if parts[0] in {"sandbox", "libs"} else parts[0]


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def enclosing(tree: ast.Module) -> dict[ast.AST, str]:
    """Every node → the name of the function (or class) it is in, for keys that survive line moves."""
    names: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                else name
            )
            names[child] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return names


def last_name(node: ast.expr) -> str:
    """``x.y.Z`` → ``Z``; ``Z[...]`` → ``Z``."""
    if isinstance(node, ast.Subscript):
        return last_name(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def model_classes(all_sources: list[Source]) -> set[str]:
    """Names of the classes that are Pydantic models or responses, following bases across the workspace."""
    bases = {
        node.name: {last_name(b) for b in node.bases}
        for s in all_sources
        for node in ast.walk(s.tree)
        if isinstance(node, ast.ClassDef)
    }
    models = set(MODEL_ROOTS)
    grew = True
    while grew:
        new = {name for name, of in bases.items() if of & models} - models
        models |= new
        grew = bool(new)
    return models


# --- (a) no service imports another ---------------------------------------------------------------------


def imported(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def check_imports(s: Source, models: set[str]) -> Iterator[Offence]:
    home = owner(s.rel)
    own = {m for m, folder in {**SERVICE_MODULES, **SANDBOX_MODULES}.items() if folder == home}
    if home in SANDBOX_MODULES.values() or (home not in SERVICE_MODULES.values() and not s.in_src):
        return  # stand-ins of the outside world are not services; libs' tests check the whole workspace
    for line, module in imported(s.tree):
        top = module.split(".")[0]
        if top in own:
            continue
        if top in SERVICE_MODULES or (top in SANDBOX_MODULES and s.in_src):
            yield Offence("service-imports-service", s.rel, line, module, f"{home} imports {module}")


# --- (b) endpoints declare what they return ---------------------------------------------------------------


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def declares_model(node: ast.expr | None, models: set[str]) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return declares_model(ast.parse(node.value, mode="eval").body, models)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        return all(is_none(x) or declares_model(x, models) for x in sides) and not all(map(is_none, sides))
    if isinstance(node, ast.Subscript):
        if last_name(node.value) in CONTAINERS:
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return declares_model(inner, models)
        return last_name(node.value) in models  # a generic model, Page[Product]
    return last_name(node) in models


def is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def route(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Call | None:
    for deco in fn.decorator_list:
        if (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Attribute)
            and deco.func.attr in HTTP_METHODS
            and deco.args
            and isinstance(deco.args[0], ast.Constant)
            and isinstance(deco.args[0].value, str)
        ):
            return deco
    return None


def no_content(call: ast.Call) -> bool:
    status = keyword(call, "status_code")
    return (isinstance(status, ast.Constant) and status.value == 204) or (
        status is not None and "204" in ast.unparse(status)
    )


def endpoint_problem(fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, models: set[str]) -> str:
    """Why the endpoint's declared result is not a model ("" when it is)."""
    declared = keyword(call, "response_model")
    if declared is not None and not is_none(declared):
        return "" if declares_model(declared, models) else f"response_model={ast.unparse(declared)}"
    if fn.returns is None:
        return "no return annotation"
    if is_none(fn.returns):
        return "" if no_content(call) else "returns None without status_code=204"
    if declares_model(fn.returns, models):
        return ""
    return f"returns {ast.unparse(fn.returns)}"


def check_endpoints(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or owner(s.rel) in SANDBOX_MODULES.values():
        return
    for fn in functions(s.tree):
        call = route(fn)
        problem = endpoint_problem(fn, call, models) if call else ""
        if problem:
            yield Offence("response-model", s.rel, fn.lineno, fn.name, f"{fn.name}: {problem}")


# --- (c) the other habits a tool can see ----------------------------------------------------------------


def check_dict_any(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or s.path.name not in {"endpoints.py", "api.py"}:
        return
    for fn in functions(s.tree):
        text = ast.unparse(fn.returns) if fn.returns else ""
        if re.search(r"\b(dict|Dict)\[str, *Any\]", text):
            yield Offence("dict-any-return", s.rel, fn.lineno, fn.name, f"{fn.name} returns {text}")


def check_tenant_assert(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src:
        return
    names = enclosing(s.tree)
    for node in ast.walk(s.tree):
        if not isinstance(node, ast.Assert):
            continue
        test = node.test
        if (
            isinstance(test, ast.Compare)
            and any(isinstance(op, ast.IsNot) for op in test.ops)
            and any(is_none(c) for c in test.comparators)
            and TENANT_ID.search(last_name(test.left))
        ):
            yield Offence("tenant-assert", s.rel, node.lineno, names[node], f"assert {ast.unparse(test)}")


def statements(tree: ast.Module) -> dict[ast.AST, ast.stmt]:
    """Every node → the innermost statement holding it (whose lines a trailing comment may end)."""
    found: dict[ast.AST, ast.stmt] = {}
    # ast.walk visits outer statements before the ones they hold: the last one written is the innermost.
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.stmt):
            found.update(dict.fromkeys(ast.walk(stmt), stmt))
    return found


def commit_reason(s: Source, stmt: ast.stmt) -> str | None:
    """The reason given by a ``# commit: <why>`` comment on a line of ``stmt`` (the formatter may move it to
    the statement's last line); None when there is none."""
    lines = s.text.splitlines()
    for number in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1):
        found = COMMIT_REASON.search(lines[number - 1])
        if found:
            return found["why"].strip()
    return None


def check_commit(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or s.path.name not in {"service.py", "repository.py"}:
        return
    names, held = enclosing(s.tree), statements(s.tree)
    for node in ast.walk(s.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            why = commit_reason(s, held[node])
            if why is not None and len(why.split()) >= MIN_REASON_WORDS:
                continue
            what = f"{ast.unparse(node)} in {names[node]}"
            if why is not None:
                what += f": `# commit: {why}` does not say why (at least {MIN_REASON_WORDS} words)"
            yield Offence("commit-in-service", s.rel, node.lineno, names[node], what)


def check_http_exception(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or owner(s.rel) not in SERVICE_MODULES.values():
        return
    names = enclosing(s.tree)
    for node in ast.walk(s.tree):
        if (
            isinstance(node, ast.Raise)
            and node.exc is not None
            and last_name(node.exc.func if isinstance(node.exc, ast.Call) else node.exc)
            in {"HTTPException", "StarletteHTTPException"}
        ):
            yield Offence("http-exception", s.rel, node.lineno, names[node], f"raise {ast.unparse(node.exc)}")


def check_relationships(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src:
        return
    names = enclosing(s.tree)
    for node in ast.walk(s.tree):
        if isinstance(node, ast.Call) and last_name(node.func) == "relationship":
            lazy = keyword(node, "lazy")
            if not (isinstance(lazy, ast.Constant) and lazy.value == "raise"):
                yield Offence("relationship-lazy", s.rel, node.lineno, names[node], ast.unparse(node))


def check_secrets(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or owner(s.rel) in SANDBOX_MODULES.values():
        return
    for cls in ast.walk(s.tree):
        if not (isinstance(cls, ast.ClassDef) and any("Settings" in last_name(b) for b in cls.bases)):
            continue
        for item in cls.body:
            if (
                isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and SECRET_NAME.search(item.target.id)
                and "SecretStr" not in ast.unparse(item.annotation)
            ):
                what = f"{cls.name}.{item.target.id}: {ast.unparse(item.annotation)}"
                yield Offence("secret-str", s.rel, item.lineno, f"{cls.name}.{item.target.id}", what)


def check_length(s: Source, models: set[str]) -> Iterator[Offence]:
    if s.in_src and s.lines > MAX_LINES and owner(s.rel) not in SANDBOX_MODULES.values():
        yield Offence("file-length", s.rel, 1, "", f"{s.lines} lines")


def check_docstrings(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or not (s.rel.startswith("libs/") or s.rel.startswith("contracts/")):
        return
    for node in s.tree.body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and not node.name.startswith("_")
            and not ast.get_docstring(node)
        ):
            yield Offence("public-docstring", s.rel, node.lineno, node.name, f"{node.name} has no docstring")


PARAM_DEFAULTS = {"Depends", "Security", "Query", "Path", "Body", "Header", "Cookie", "Form", "File"}
LISTED_VALUES = re.compile(r"#.*\w\s*\|\s*\w")


def check_annotated_deps(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or owner(s.rel) in SANDBOX_MODULES.values():
        return
    for fn in functions(s.tree):
        if route(fn) is None:
            continue
        positional = [*fn.args.posonlyargs, *fn.args.args][::-1]
        pairs: list[tuple[ast.arg, ast.expr | None]] = [
            *zip(positional, fn.args.defaults[::-1], strict=False),
            *zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True),
        ]
        for arg, value in pairs:
            yield from _param_default(s, fn, arg, value)


def _param_default(
    s: Source, fn: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg, value: ast.expr | None
) -> Iterator[Offence]:
    if isinstance(value, ast.Call) and last_name(value.func) in PARAM_DEFAULTS:
        what = f"{fn.name}({arg.arg}=...{last_name(value.func)}())"
        yield Offence("annotated-deps", s.rel, arg.lineno, f"{fn.name}.{arg.arg}", what)


def check_status_strings(s: Source, models: set[str]) -> Iterator[Offence]:
    if not s.in_src or owner(s.rel) in SANDBOX_MODULES.values():
        return
    lines = s.text.splitlines()
    for cls in ast.walk(s.tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        for item in cls.body:
            if (
                isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and re.fullmatch(r"(\w+_)?(status|state)", item.target.id)
                and re.fullmatch(r"(Mapped\[)?str( \| None)?\]?", ast.unparse(item.annotation))
                and LISTED_VALUES.search(lines[item.lineno - 1])
            ):
                key = f"{cls.name}.{item.target.id}"
                yield Offence(
                    "status-enum", s.rel, item.lineno, key, f"{key}: {ast.unparse(item.annotation)}"
                )


def skeleton(p: Process) -> list[str]:
    """What a service folder holds (ARCHITECTURE.md §2); one with a database also holds its migrations."""
    parts = ["README.md", "Dockerfile", f"src/{p.module}/main.py", f"src/{p.module}/config.py", "tests"]
    if p.database:
        parts += [f"src/{p.module}/api.py", "alembic.ini", "migrations/shared", "migrations/tenant"]
    return parts


def check_skeletons() -> Iterator[Offence]:
    """Services that run (their package declares their command) and miss a part of the skeleton."""
    for p in PROCESSES:
        if p.kind == "service" and available(p):
            for part in skeleton(p):
                if not (ROOT / p.folder / part).exists():
                    yield Offence("skeleton", p.folder, 1, part, f"{p.name} has no {part}")


CHECKS: list[Callable[[Source, set[str]], Iterator[Offence]]] = [
    check_imports,
    check_endpoints,
    check_dict_any,
    check_tenant_assert,
    check_commit,
    check_http_exception,
    check_relationships,
    check_secrets,
    check_length,
    check_docstrings,
    check_annotated_deps,
    check_status_strings,
]


def offences(roots: list[Path] | None = None) -> list[Offence]:
    """Every offence in the workspace (or under ``roots``), allowed or not."""
    found = list(sources(roots or package_roots()))
    models = model_classes(found)
    per_file = (o for s in found for check in CHECKS for o in check(s, models))
    return sorted([*per_file, *check_skeletons()], key=lambda o: (o.path, o.line))


def main(argv: list[str]) -> int:
    found = offences()
    for o in found:
        print(o)
    if found:
        print(f"shape: {len(found)} offence(s); the rules:")
        for rule in sorted({o.rule for o in found}):
            print(f"  {rule}: {RULES[rule]}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
