"""The shard databases of each overlay ([kubernetes.shards] of deploy/fleet.toml) as kustomize renders them.

Every pod of a sharded service (its Deployments and its migration Job) gets the same ``DATABASE_SHARDS``, in
the form the kit parses, built from one Secret key per shard; every shard named has its CloudNativePG
Cluster, role, database and network flows; the connection budget counts each database against its cluster.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import test_k8s as wiring
import yaml
from sqlalchemy.engine import make_url
from vitrine_kit.db.shards import parse_shards

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "deploy" / "checks"))
import fleet_table  # noqa: E402
import generate  # noqa: E402
import manifests  # noqa: E402
from fleet_table import (  # noqa: E402
    DB_CLUSTER,
    KUBERNETES,
    Process,
    process,
    shard_cluster,
    shard_database,
    shard_url_key,
)

DEPLOYED = [p for p in wiring.DEPLOYED if p.database]
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
Rendered = tuple[str, list[dict[str, Any]]]


@pytest.fixture(scope="module", params=sorted(wiring.OVERLAYS))
def overlay(request: pytest.FixtureRequest) -> Rendered:
    try:
        return request.param, manifests.render(wiring.OVERLAYS[request.param])
    except (RuntimeError, FileNotFoundError) as exc:
        pytest.fail(f"kustomize could not render {request.param}: {exc}")


def containers(docs: list[dict[str, Any]], p: Process) -> dict[str, dict[str, Any]]:
    """``p``'s containers in its Deployments and migration Job, by ``kind/name``."""
    return {
        where: c
        for where, spec in wiring.pod_specs(docs).items()
        for c in spec["containers"]
        if c["name"] == p.name
    }


def sharded(name: str) -> list[tuple[Process, list[str]]]:
    return [(p, KUBERNETES.shards_of(name, p)) for p in DEPLOYED if KUBERNETES.shards_of(name, p)]


class TestShardMap:
    @pytest.mark.parametrize("p", DEPLOYED, ids=lambda p: p.name)
    def test_every_pod_of_a_service_gets_the_tables_map(self, overlay: Rendered, p: Process) -> None:
        """API, worker and migration Job: the same map, the kit's ``name=url`` form, the URLs from the Secret
        (the contract's example points at the shard's Cluster and the service's database there)."""
        name, docs = overlay
        shards = KUBERNETES.shards_of(name, p)
        key = f"{p.env_prefix}DATABASE_SHARDS"
        found = containers(docs, p)
        assert len(found) == len(p.roles) + 1, sorted(found)
        maps = set()
        for where, c in found.items():
            raw = {e["name"]: e for e in c["env"]}
            if not shards:
                assert key not in raw, f"{where}: {name} gives {p.name} no shard"
                continue
            wanted = ",".join(f"{s}=$({shard_url_key(p, s)})" for s in shards)
            assert raw[key] == {"name": key, "value": wanted}, f"{where}: no URL inline, only the Secret's"
            env = wiring.container_env(docs, c)
            urls = parse_shards(env[key], env[f"{p.env_prefix}DATABASE_URL"])
            assert list(urls) == ["home", *shards], where
            for shard in shards:
                url = make_url(urls[shard])
                assert (url.host, url.port, url.database, url.username) == (
                    f"{shard_cluster(shard)}-rw",
                    5432,
                    shard_database(p, shard),
                    p.database,
                ), where
            maps.add(raw[key]["value"])
        assert len(maps) <= 1, f"{p.name}: its pods disagree on where tenants live: {maps}"

    def test_each_shard_url_is_a_required_key_of_the_contract(self, overlay: Rendered) -> None:
        name, docs = overlay
        keys = wiring.contract()
        read = {
            (ref["name"], ref["key"]): ref.get("optional", False)
            for spec in wiring.pod_specs(docs).values()
            for c in spec["containers"]
            for e in c.get("env", [])
            if (ref := e.get("valueFrom", {}).get("secretKeyRef"))
        }
        wanted = {(p.name, shard_url_key(p, s)) for p, shards in sharded(name) for s in shards}
        assert {k for k in read if "_DATABASE_SHARD_" in k[1]} == wanted
        for k in wanted:
            assert keys.get(k) is True, f"{k}: not a required key of secrets.example.yaml"
            assert read[k] is False, f"{k}: a pod must not start without it"
        assert not any(k.endswith("_DATABASE_SHARDS") for _, k in keys), "composed, not a Secret key"


class TestShardClusters:
    def test_every_shard_has_its_cluster_roles_and_databases(self, overlay: Rendered) -> None:
        name, docs = overlay
        clusters = wiring.of_kind(docs, "Cluster")
        table = KUBERNETES.shards.get(name, {})
        assert set(clusters) == {DB_CLUSTER} | {shard_cluster(s) for s in table}
        for shard, names in table.items():
            members = [p for p in DEPLOYED if p.name in names]
            cluster = clusters[shard_cluster(shard)]
            roles = {r["name"]: r["passwordSecret"]["name"] for r in cluster["spec"]["managed"]["roles"]}
            assert roles == {p.database: f"{p.name}-db" for p in members}
            databases = {
                d["spec"]["name"]: d["spec"]["owner"]
                for d in wiring.of_kind(docs, "Database").values()
                if d["spec"]["cluster"]["name"] == shard_cluster(shard)
            }
            assert databases == {shard_database(p, shard): p.database for p in members}
            assert cluster["spec"]["imageName"] == clusters[DB_CLUSTER]["spec"]["imageName"]

    def test_only_the_sharded_services_reach_a_shard(self, overlay: Rendered) -> None:
        name, docs = overlay
        policies = wiring.of_kind(docs, "NetworkPolicy")

        def reaches(source: str, cluster: str) -> bool:
            return any(
                any(
                    t.get("podSelector", {}).get("matchLabels", {}).get("cnpg.io/cluster") == cluster
                    for t in rule["to"]
                )
                and {p["port"] for p in rule["ports"]} == {5432}
                for rule in policies[source]["spec"]["egress"]
                if "to" in rule
            )

        def admits(cluster: str, source: str) -> bool:
            return any(
                any(
                    source in expr["values"]
                    for f in rule["from"]
                    for expr in f.get("podSelector", {}).get("matchExpressions", [])
                    if expr["key"] == "app.kubernetes.io/name" and expr["operator"] == "In"
                )
                and [p["port"] for p in rule.get("ports", [])] == [5432]
                for rule in policies[cluster]["spec"]["ingress"]
            )

        for shard, names in KUBERNETES.shards.get(name, {}).items():
            cluster = shard_cluster(shard)
            assert policies[cluster]["spec"]["podSelector"] == {"matchLabels": {"cnpg.io/cluster": cluster}}
            for p in wiring.DEPLOYED:
                assert reaches(p.name, cluster) == (p.name in names), f"{p.name} → {cluster}"
                assert admits(cluster, p.name) == (p.name in names), f"{p.name} → {cluster}"
            operator = [
                r for r in policies[cluster]["spec"]["ingress"] if "namespaceSelector" in r["from"][0]
            ]
            assert [r["ports"] for r in operator] == [[{"protocol": "TCP", "port": 8000}]], "the operator"


class TestBudget:
    def test_each_database_counts_against_its_cluster(self, overlay: Rendered) -> None:
        name, docs = overlay
        clusters = {c.cluster: c for c in manifests.budget(docs)}
        for shard, names in KUBERNETES.shards.get(name, {}).items():
            c = clusters[shard_cluster(shard)]
            wanted = {generate.deployment_name(process(n), role) for n in names for role in process(n).roles}
            assert {u.deployment for u in c.uses} == wanted
            assert {u.database for u in c.uses} == {shard}
            home = {u.deployment: u.per_pod for u in clusters[DB_CLUSTER].uses}
            for u in c.uses:  # the same pools, once per database
                assert u.per_pod == home[u.deployment], u
            assert not c.over, f"{c.cluster}: {c.total} > {c.allowed}"

    def test_a_cluster_over_its_connections_fails(self, overlay: Rendered) -> None:
        name, docs = overlay
        for shard in KUBERNETES.shards.get(name, {}):
            cluster = shard_cluster(shard)
            before = {c.cluster: c for c in manifests.budget(docs)}[cluster]
            smaller = copy.deepcopy(docs)
            for d in smaller:
                if d["kind"] == "Cluster" and d["metadata"]["name"] == cluster:
                    limit = before.total + KUBERNETES.reserved_connections - 1
                    d["spec"]["postgresql"]["parameters"]["max_connections"] = str(limit)
            after = {c.cluster: c for c in manifests.budget(smaller)}
            assert after[cluster].over
            assert not after[DB_CLUSTER].over
            missing = [d for d in docs if not (d["kind"] == "Cluster" and d["metadata"]["name"] == cluster)]
            gone = {c.cluster: c for c in manifests.budget(missing)}[cluster]
            assert gone.max_connections is None, "a shard without its Cluster"
            assert gone.over

    def test_a_map_hidden_in_a_secret_cannot_be_counted(self, overlay: Rendered) -> None:
        _, docs = overlay
        hidden = copy.deepcopy(docs)
        catalog = process("catalog-service")
        env = wiring.of_kind(hidden, "Deployment")[catalog.name]["spec"]["template"]["spec"]["containers"][0][
            "env"
        ]
        env[:] = [e for e in env if not e["name"].endswith("_DATABASE_SHARDS")]
        env.append(generate.from_secret("CATALOG_DATABASE_SHARDS", catalog.name, "CATALOG_DATABASE_SHARDS"))
        with pytest.raises(ValueError, match="CATALOG_DATABASE_SHARDS"):
            manifests.budget(hidden)


class TestTable:
    def test_the_base_runs_one_database_per_service(self) -> None:
        """An overlay without a shards component: no map, no shard key, one Cluster."""
        for path, text in generate.k8s().items():
            assert "DATABASE_SHARD" not in text, path.name

    def test_each_overlay_includes_its_shards_component(self) -> None:
        for name, folder in wiring.OVERLAYS.items():
            components = yaml.safe_load((folder / "kustomization.yaml").read_text()).get("components", [])
            assert (f"../../components/shards-{name}" in components) == (name in KUBERNETES.shards), name

    def test_several_shards_compose_one_map_the_kit_parses(self) -> None:
        catalog = process("catalog-service")
        env = generate.shard_env(catalog, ["b", "eu_west"])
        keys = [e["name"] for e in env]
        assert keys == [
            shard_url_key(catalog, "b"),
            shard_url_key(catalog, "eu_west"),
            "CATALOG_DATABASE_SHARDS",
        ]
        values = {k: f"postgresql+asyncpg://u:p@{k.lower().replace('_', '-')}:5432/d" for k in keys[:2]}
        spec = re.sub(r"\$\(([A-Z0-9_]+)\)", lambda m: values[m[1]], env[-1]["value"])
        assert list(parse_shards(spec, "postgresql+asyncpg://u:p@home:5432/d")) == ["home", "b", "eu_west"]
        assert shard_cluster("eu_west") == "vitrine-db-eu-west"
        assert DNS_LABEL.match(shard_cluster("a" * 16))

    @pytest.mark.parametrize(
        ("shards", "problem"),
        [
            ({"nowhere": {"b": ["catalog-service"]}}, "no overlay"),
            ({"production": {"home": ["catalog-service"]}}, "not be 'home'"),
            ({"production": {"B": ["catalog-service"]}}, "must match"),
            ({"production": {"eu-west": ["catalog-service"]}}, "must match"),
            ({"production": {"a" * 17: ["catalog-service"]}}, "must match"),
            ({"production": {"b": []}}, "at least one"),
            ({"production": {"b": ["catalog-service", "catalog-service"]}}, "each service once"),
            ({"production": {"b": ["gateway"]}}, "not services with a database"),
            ({"production": {"b": ["nobody"]}}, "not services with a database"),
        ],
    )
    def test_the_table_refuses_what_cannot_be_deployed(self, shards: dict[str, Any], problem: str) -> None:
        with pytest.raises(ValueError, match=re.escape(problem)):
            fleet_table._shards(shards, fleet_table.PROCESSES)
