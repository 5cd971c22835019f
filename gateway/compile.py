"""Compile the gateway's request path to C extensions with mypyc; the image runs it compiled.

    uv run python gateway/compile.py OUT       # a copy of the package in OUT/gateway, compiled there
    uv run python gateway/compile.py --in-place  # beside the sources (the image's build stage)

Every request runs the modules in ``COMPILED``; compiled, the gateway's CPU per request is about a fifth
lower (bench/gateway). The rest (settings, the CLI, the operational endpoints, the OpenAPI merge, request
bodies — an async generator, which mypyc cannot compile) stays Python. A compiled module is imported in
place of its ``.py`` (Python prefers the extension); ``gateway.cli`` logs which one runs.

With OUT the copy is rebuilt only when the sources or mypy changed (a stamp of both in OUT). Needs mypy,
setuptools and a C compiler (the workspace's dev tools; the image's build stage installs gcc).

What compiled code refuses that Python accepts, kept in mind when editing these modules:
- a value whose type is not the annotated one is a ``TypeError`` where it is read (a stub that says
  ``tuple`` for a list, ``bytes`` for None): read such values as ``Any``;
- a class cannot inherit from two built-in exceptions (``upstream_errors.py`` stays Python);
- instances' methods cannot be replaced (tests that do it run on the Python build only).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "src" / "gateway"
COMPILED = (
    "auth",
    "client",
    "client_exchange",
    "connection",
    "cors",
    "downstream",
    "forwarding",
    "http1",
    "limits",
    "main",
    "ratelimit",
    "request",
    "responses",
    "routing",
    "server",
    "sessions",
    "traffic",
    "upstream",
)
STAMP = ".compiled-from"


def stamp() -> str:
    """What a build depends on: every source file of the package, and mypy's version."""
    digest = hashlib.sha256(version("mypy").encode())
    for path in sorted(SOURCE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def mypyc(package_parent: Path) -> None:
    """Compile ``COMPILED`` in ``package_parent/gateway``, leaving the extensions beside the sources."""
    files = [f"gateway/{name}.py" for name in COMPILED]
    with tempfile.TemporaryDirectory(prefix="gateway-mypyc-") as build:
        # mypyc builds in ./build of its working directory: a scratch one, so the tree stays clean.
        work = Path(build)
        shutil.copytree(
            package_parent / "gateway", work / "gateway", ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
        done = subprocess.run(
            [sys.executable, "-m", "mypyc", *files],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"mypyc failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        built = [*work.glob("*.so"), *(work / "gateway").glob("*.so")]
        for path in built:
            target = package_parent / path.relative_to(work)
            target.unlink(missing_ok=True)
            shutil.copy2(path, target)
    missing = [name for name in COMPILED if not list((package_parent / "gateway").glob(f"{name}.*.so"))]
    if missing:
        sys.exit(f"mypyc built no extension for: {', '.join(missing)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("out", nargs="?", type=Path, help="a directory to hold the compiled copy")
    where.add_argument("--in-place", action="store_true", help="compile beside the sources")
    args = parser.parse_args()
    if args.in_place:
        mypyc(SOURCE.parent)
        print(f"compiled in place: {len(COMPILED)} modules in {SOURCE}")
        return
    out: Path = args.out.resolve()
    wanted = stamp()
    if (out / STAMP).is_file() and (out / STAMP).read_text() == wanted:
        print(f"up to date: {out}")
        return
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copytree(SOURCE, out / "gateway", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    mypyc(out)
    (out / STAMP).write_text(wanted)
    print(f"compiled: {len(COMPILED)} modules in {out / 'gateway'} (run with PYTHONPATH={out})")


if __name__ == "__main__":
    main()
