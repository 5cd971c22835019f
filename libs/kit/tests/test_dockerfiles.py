"""Every image is built from the root with uv and runs as the table says (no Docker engine here: checked as text)."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
from fleet_table import IMAGES, PROCESSES, Process  # noqa: E402

IMAGED = [p for p in PROCESSES if p.image == p.name and (ROOT / p.folder / "pyproject.toml").exists()]


@pytest.mark.parametrize("image", IMAGED, ids=lambda p: p.name)
class TestDockerfiles:
    def test_it_syncs_its_own_package_from_the_whole_workspace(self, image: Process) -> None:
        text = (ROOT / image.folder / "Dockerfile").read_text()
        package = tomllib.loads((ROOT / image.folder / "pyproject.toml").read_text())["project"]["name"]
        # The lock is checked against every member's metadata: the whole workspace goes into the build.
        assert "COPY . ." in text
        assert re.search(rf"uv sync --frozen --no-dev --package {package}\n", text)
        assert re.findall(r"ghcr\.io/astral-sh/uv:([0-9.]+)", text) == [IMAGES.uv]

    def test_it_runs_as_the_table_says(self, image: Process) -> None:
        text = (ROOT / image.folder / "Dockerfile").read_text()
        assert f"\nUSER {IMAGES.uid}\n" in text
        assert f"\nEXPOSE {image.port}\n" in text
        assert f"{image.env_prefix}PORT={image.port}" in text
        assert f"http://127.0.0.1:{image.port}/healthz" in text
        assert text.rstrip().endswith(f"CMD {[image.command, *image.args]}".replace("'", '"'))


def test_the_host_environment_stays_out_of_the_build_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".run", ".git", ".env"} <= set(ignored)


@pytest.mark.parametrize("image", [p for p in IMAGED if p.compile], ids=lambda p: p.name)
def test_a_compiled_image_builds_its_extensions_with_the_locked_tools(image: Process) -> None:
    assert image.compile is not None
    assert (ROOT / image.compile).is_file()
    text = (ROOT / image.folder / "Dockerfile").read_text()
    build_stage = text.split("FROM deps AS build", 1)[1].split("\nFROM ", 1)[0]
    locked = {p["name"]: p["version"] for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]}
    tools = f"--with mypy=={locked['mypy']} --with setuptools=={locked['setuptools']}"
    assert f"uv run --frozen --no-sync {tools} python {image.compile} --in-place" in build_stage
    assert "gcc" in build_stage
