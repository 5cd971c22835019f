"""ai-service's copy of catalog's reference data stays the same as catalog's committed files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sync_reference.py"


@pytest.mark.unit
class TestReferenceCopy:
    def test_the_copy_matches_catalog_s_files(self) -> None:
        spec = importlib.util.spec_from_file_location("sync_reference", SCRIPT)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.stale() == [], "run ai-service/scripts/sync_reference.py"
