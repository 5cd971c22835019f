"""The TypeScript client types: generated from the committed spec and relay schemas, and a program compiles.

``clients/typescript`` pins openapi-typescript, json-schema-to-typescript and typescript in its
package-lock.json; this runs ``npm ci`` there, generates ``generated/api.ts`` and ``generated/relay.ts``,
then type-checks ``src/example.ts`` (create a product, read a problem, answer a relay job) with --strict.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CLIENT = ROOT / "clients" / "typescript"
RELAY_SCHEMAS = ROOT / "contracts" / "relay" / "schemas"
NPM = shutil.which("npm")


def npm(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    assert NPM is not None
    return subprocess.run(
        [NPM, *args], cwd=CLIENT, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def generated() -> Path:
    if NPM is None:
        pytest.skip("npm is not installed: the TypeScript client is checked where Node.js is")
    for step in (("ci", "--no-audit", "--no-fund"), ("run", "generate")):
        done = npm(*step)
        assert done.returncode == 0, f"npm {' '.join(step)}:\n{done.stdout}\n{done.stderr}"
    return CLIENT / "generated"


@pytest.mark.unit
class TestTypeScriptClient:
    def test_the_example_program_compiles_strictly(self, generated: Path) -> None:
        done = npm("exec", "--", "tsc", "--noEmit", "--strict", "-p", ".")
        assert done.returncode == 0, done.stdout + done.stderr

    def test_every_operation_and_relay_message_has_its_type(self, generated: Path) -> None:
        api = (generated / "api.ts").read_text()
        assert "catalog_create_product: {" in api
        assert '"Idempotency-Key"?: string' in api
        relay = (generated / "relay.ts").read_text()
        union = re.search(r"export type RelayMessage = (.+);", relay)
        assert union is not None
        assert len(union.group(1).split(" | ")) == len(list(RELAY_SCHEMAS.glob("*.json")))
