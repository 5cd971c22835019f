"""`make demo` against the e2e fleet: the demo seller is made ready (twice: the second run reuses it), and the
whole story runs through the gateway — photos, AI, suggestions, publish everywhere, a sale, the delists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy" / "local"))
from demo import Demo, DemoFailed, main
from demo_seller import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_seller
from fleet import Fleet


class TestDemoSeller:
    def test_made_ready_once_then_reused(self, api: httpx.Client, fleet: Any) -> None:
        first = ensure_demo_seller(api)
        again = ensure_demo_seller(httpx.Client(base_url=fleet.url("gateway"), timeout=30))
        assert (again.ebay_account, again.etsy_account) == (first.ebay_account, first.etsy_account)
        assert again.vinted_login == "demo_seller"
        login = api.post("/api/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        accounts = api.get("/api/marketplaces/ebay/accounts", headers=auth).json()
        assert [a["id"] for a in accounts] == [first.ebay_account]
        assert api.get("/api/marketplaces/etsy/account", headers=auth).json()["id"] == first.etsy_account
        vinted = api.get("/api/marketplaces/vinted/account", headers=auth).json()
        assert vinted["pacing"]["writes_per_hour"] == 50  # the pace the fleet's plugin stand-in expects


class TestDemo:
    @pytest.mark.timeout(600)
    @pytest.mark.parametrize("sell_on", ["ebay", "etsy"])
    def test_the_story_runs_end_to_end(
        self, fleet: Any, sell_on: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["--port-offset", str(fleet.port_offset), "--sell-on", sell_on, "--timeout", "90"])
        out, err = capsys.readouterr()
        print(out, err)
        assert code == 0, err
        lines = out.splitlines()
        for step in (
            "upload photos",
            "AI analysis",
            "accept AI suggestions",
            "publish everywhere",
            "live on eBay",
            "live on Etsy",
            "live on Vinted",
            "product sold",
        ):
            assert any(step in line for line in lines), (step, out)
        others = [m for m in ("eBay", "Etsy", "Vinted") if m.lower() != sell_on]
        for name in others:
            assert any(f"withdrawn from {name}" in line for line in lines), out
        assert lines[-1].startswith("sale → delisted: "), out

    def test_a_fleet_that_is_not_running_is_named(self, capsys: pytest.CaptureFixture[str]) -> None:
        code = main(["--port-offset", "950"])
        assert code == 2
        assert "make run" in capsys.readouterr().err


@pytest.mark.unit
class TestSteps:
    def test_a_failed_step_is_named_and_its_line_not_printed(self) -> None:
        printed: list[str] = []
        demo = Demo(Fleet(port_offset=950), "ebay", timeout=0.1, out=printed.append)
        with pytest.raises(DemoFailed) as failed, demo.step("publish everywhere"):
            demo.wait("the eBay listing", lambda: None)
        assert str(failed.value) == "publish everywhere: the eBay listing did not happen within 0.1 s"
        assert printed == []
