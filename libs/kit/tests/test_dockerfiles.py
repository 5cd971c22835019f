"""Every service image is built from the root with uv (no Docker engine here: the files are checked as text)."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy" / "local"))
from fleet import SERVICES, available  # noqa: E402


class TestDockerfiles:
    def test_each_service_syncs_its_own_package_from_the_whole_workspace(self) -> None:
        pins = set()
        for service in filter(available, SERVICES):
            folder = ROOT / (service.path or service.name)
            text = (folder / "Dockerfile").read_text()
            package = tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"]
            # The lock is checked against every member's metadata: the whole workspace goes into the build.
            assert "COPY . ." in text, service.name
            assert re.search(rf"uv sync --frozen --no-dev( --no-editable)? --package {package}\b", text), (
                service.name
            )
            pins.update(re.findall(r"ghcr\.io/astral-sh/uv:([0-9.]+)", text))
        assert len(pins) == 1, f"one uv version for every image, not {pins}"

    def test_the_host_environment_stays_out_of_the_build_context(self) -> None:
        ignored = (ROOT / ".dockerignore").read_text().split()
        assert {".venv", ".run", ".git", ".env"} <= set(ignored)
