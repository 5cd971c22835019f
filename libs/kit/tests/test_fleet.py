"""The fleet table (deploy/fleet.toml) against what each part of the code says of the fleet on its own.

Generated files are checked by `deploy/generate.py --check`; these tests check what is not generated: the
gateway's default routes, each service's Settings and README, the packages' console scripts.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "deploy" / "local"))
import fleet_table  # noqa: E402
import generate  # noqa: E402
from fleet import Fleet  # noqa: E402
from fleet_table import PROCESSES, Process, available, gateway_upstreams, resolve, scripts  # noqa: E402

FOLDERS = list(dict.fromkeys(p.folder for p in PROCESSES))
PORTS = {p.port for p in PROCESSES}
# Where a process's own default differs, on purpose, from what a fleet run passes it.
OWN_DEFAULTS = {
    ("media-service", "PUBLIC_BASE_URL"): "run alone, it serves its signed files itself",
    ("sandbox-stripe", "WEBHOOK_URLS"): "no endpoint until a test or the fleet asks for one",
    ("sandbox-ebay", "NOTIFICATION_URL"): "no push until a test or the fleet asks for one",
}
WITH_SETTINGS = [p for p in PROCESSES if p.settings]


def default(settings: type[Any], field: str) -> Any:
    """A field's default as declared, whatever the environment of this test run says."""
    info = settings.model_fields[field]
    return info.default_factory() if info.default_factory else info.default


def settings_class(p: Process) -> type[Any]:
    module, name = (p.settings or "").split(":")
    try:
        cls: type[Any] = getattr(importlib.import_module(module), name)
    except ModuleNotFoundError:
        if available(p):
            raise
        pytest.skip(f"{p.name} is not written yet")
    return cls


class TestTable:
    def test_a_bad_row_is_refused(self, tmp_path: Path) -> None:
        text = fleet_table.TABLE.read_text().replace('env_prefix = "CATALOG_"', 'env_prefix = "AUTH_"')
        (tmp_path / "fleet.toml").write_text(text)
        with pytest.raises(ValueError, match="env_prefix used twice"):
            fleet_table.load(tmp_path / "fleet.toml")

    @pytest.mark.parametrize("folder", FOLDERS)
    def test_the_package_is_the_folders(self, folder: str) -> None:
        pyproject = ROOT / folder / "pyproject.toml"
        if not pyproject.exists():
            pytest.skip(f"{folder} is not written yet")
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        assert {p.package for p in PROCESSES if p.folder == folder} == {name}

    @pytest.mark.parametrize("folder", FOLDERS)
    def test_every_console_script_is_a_process_of_the_table(self, folder: str) -> None:
        commands = {p.command for p in PROCESSES if p.folder == folder}
        assert set(scripts(folder)) <= commands, (
            f"{folder}: a script the fleet does not know; add it to the table"
        )

    def test_every_service_folder_of_the_workspace_is_in_the_table(self) -> None:
        members = generate.workspace()
        folders = {folder for folder, _ in members.values()}
        own_code = {f for f in folders if not f.startswith("libs/") and f != "contracts"}
        assert own_code <= set(FOLDERS)


class TestGatewayDefaults:
    """The gateway's built-in routes are the table's (gateway/src/gateway/config.py is written by hand)."""

    def test_routes_ports_and_limits(self) -> None:
        from gateway.config import Settings, Upstream

        table = {
            name: Upstream(**route).model_dump()
            for name, route in gateway_upstreams(lambda p: f"http://127.0.0.1:{p.port}").items()
        }
        defaults = {name: u.model_dump() for name, u in default(Settings, "upstreams").items()}
        assert defaults == table

    def test_public_routes_are_under_a_public_path_of_the_table(self) -> None:
        from gateway.config import DEFAULT_PUBLIC_ROUTES

        prefixes = [p.public_path for p in PROCESSES if p.public_path]
        assert [r for r in DEFAULT_PUBLIC_ROUTES if not any(r.startswith(f"{x}/") for x in prefixes)] == []


@pytest.mark.parametrize("p", WITH_SETTINGS, ids=lambda p: p.name)
class TestSettings:
    """Each process's own defaults (a run without the table's env) say what the table says."""

    def test_env_prefix_and_port(self, p: Process) -> None:
        settings = settings_class(p)
        assert settings.model_config.get("env_prefix") == p.env_prefix
        assert default(settings, "port") == p.port

    def test_name_and_database(self, p: Process) -> None:
        settings = settings_class(p)
        if "service_name" in settings.model_fields:
            assert default(settings, "service_name") == p.name
        if p.database:
            assert default(settings, "database_url").get_secret_value().endswith(f"/{p.database}")

    def test_defaults_name_the_same_processes_as_the_tables_env(self, p: Process) -> None:
        settings = settings_class(p)
        local = lambda q: f"http://127.0.0.1:{q.port}"  # noqa: E731
        assert {k.lower() for k in p.env} <= set(settings.model_fields), "the table sets a setting it has not"
        for key, value in p.env.items():
            if (p.name, key) in OWN_DEFAULTS:
                continue
            own = default(settings, key.lower())
            fleet = resolve(value, local, local)
            assert own == (json.loads(fleet) if isinstance(own, dict | list) else fleet), (
                f"{p.env_prefix}{key}"
            )

    def test_every_fleet_port_in_its_defaults_is_the_tables(self, p: Process) -> None:
        settings = settings_class(p)
        defaults = " ".join(str(default(settings, f)) for f in settings.model_fields)
        assert {int(port) for port in re.findall(r"127\.0\.0\.1:(80\d\d)\b", defaults)} <= PORTS

    def test_service_client_secret(self, p: Process) -> None:
        if not p.service_client:
            pytest.skip("calls no other service with a token")
        settings = settings_class(p)
        values = [default(settings, f) for f in settings.model_fields]
        secrets = {v.get_secret_value() for v in values if hasattr(v, "get_secret_value")}
        assert f"{p.name}-local-secret" in secrets, "auth-service seeds <name>-local-secret for a local run"


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_readme_states_the_tables_ports(folder: str) -> None:
    readme = ROOT / folder / "README.md"
    if not readme.exists():
        pytest.skip(f"{folder} has no README yet")
    text = readme.read_text()
    ports = [p.port for p in PROCESSES if p.folder == folder]
    stated = re.search(r"\b[Pp]ort:? `?(\d{4,5})\b", text)
    assert stated, f"{readme.relative_to(ROOT)} states no port"
    assert int(stated[1]) in ports, f"{readme.relative_to(ROOT)} first states port {stated[1]}"
    assert [port for port in ports if not re.search(rf"\b{port}\b", text)] == []


def test_the_root_readmes_layout_states_the_tables_ports() -> None:
    rows = [
        line.split("|")[1:-1]
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    for cells in rows:
        folders = re.findall(r"`([^`]+)`", cells[0])
        stated = {int(port) for port in re.findall(r"\b(\d{4})\b", cells[-1])}
        if stated and set(folders) <= set(FOLDERS):
            assert stated == {p.port for p in PROCESSES if p.folder in folders}, cells[0]


class TestGenerated:
    """What the generator writes (the files on disk are compared with it by the first test)."""

    def test_nothing_generated_is_stale(self) -> None:
        stale = [str(p.relative_to(ROOT)) for p in generate.stale(generate.render())]
        assert stale == [], "run `uv run python deploy/generate.py`"

    def test_compose_starts_in_an_order(self) -> None:
        services = yaml.safe_load(generate.compose())["services"]
        assert {p.name for p in PROCESSES if available(p)} <= set(services)
        deps = {name: set(s.get("depends_on", {})) for name, s in services.items()}
        assert set().union(*deps.values()) <= set(services)
        started: set[str] = set()
        while len(started) < len(deps):
            ready = {n for n, d in deps.items() if n not in started and d <= started}
            assert ready, f"depends_on has a cycle among {sorted(set(deps) - started)}"
            started |= ready

    def test_compose_and_a_local_run_set_the_same_urls(self) -> None:
        services = yaml.safe_load(generate.compose())["services"]
        fleet = Fleet()
        for p in filter(available, PROCESSES):
            wanted = {f"{p.env_prefix}{k}" for k in p.env} | (
                {f"{p.env_prefix}DATABASE_URL"} if p.database else set()
            )
            assert wanted <= set(services[p.name]["environment"]), p.name
            assert wanted <= set(fleet.env(p)), p.name

    def test_the_kubernetes_base_parses(self) -> None:
        kinds = [doc["kind"] for text in generate.k8s().values() for doc in yaml.safe_load_all(text)]
        assert kinds.count("Service") == len([p for p in PROCESSES if p.kind == "service" and available(p)])
