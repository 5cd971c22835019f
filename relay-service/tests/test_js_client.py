"""The protocol from the JavaScript side: the npm ``socket.io-client`` (v4), as a browser extension uses it."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from vitrine_contracts.relay.v1 import JobKind
from vitrine_contracts.vinted import VintedJobDispatch

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE.parents[1] / ".run" / "node-socketio"  # outside the repo's tracked files, kept between runs


@pytest.fixture(scope="module")
def socketio_js() -> Path:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run socket.io-client")
    if not (NODE_DIR / "node_modules" / "socket.io-client").exists():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(NODE_DIR),
                "socket.io-client@4",
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0:
            pytest.skip(f"npm could not install socket.io-client: {done.stderr[-300:]}")
    script = NODE_DIR / "plugin.mjs"  # beside node_modules, so that the import resolves
    script.write_text((HERE / "js" / "plugin.mjs").read_text())
    return script


class TestJavaScriptClient:
    async def test_refusal_hello_job_and_result_from_socketio_client(
        self, socketio_js, start_relay, bus, test_keys, tenant_id
    ) -> None:
        relay = await start_relay()
        device = uuid.uuid4()
        token = test_keys.issue(tenant_id=tenant_id, scope="plugin", sub=str(device), roles=())
        node = await asyncio.create_subprocess_exec(
            "node",
            str(socketio_js),
            relay.url,
            token,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await bus.wait("plugin.connected", lambda p: p["device_id"] == str(device), timeout=15)
        job = VintedJobDispatch(
            job_id=uuid.uuid4(),
            tenant_id=tenant_id,
            device_id=device,
            relay_instance=relay.settings.instance_id,
            kind=JobKind.DELIST,
            attempt=1,
            params={"item_id": 77},
        )
        await bus.publish(job, tenant_id)
        stdout, stderr = await asyncio.wait_for(node.communicate(), 30)
        assert node.returncode == 0, (stdout, stderr)
        lines = {(m := json.loads(line))["event"]: m for line in stdout.decode().splitlines()}
        assert lines["refused"]["code"] == "invalid-token"
        assert lines["welcome"]["welcome"]["device_id"] == str(device)
        assert lines["deliver"]["job"]["job_id"] == str(job.job_id)
        assert lines["result-ack"]["ack"] == {"job_id": str(job.job_id), "accepted": True}
        [done] = await bus.wait("vinted.job.completed", lambda p: p["job_id"] == str(job.job_id))
        assert done["outcome"] == "succeeded"
        assert done["calls"][0]["status"] == 200
        assert done["data"] == {"item_id": 77, "already_gone": False}
