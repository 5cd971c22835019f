"""The Kubernetes manifests as each overlay renders them (kustomize), against the fleet table and the code.

Rendering needs kubectl's kustomize (`deploy/checks/manifests.py` runs it from PyPI through uv); schema
validation is `make k8s-check`'s. These tests check what a schema cannot: that every URL names a Service,
every secret is in the contract and no setting is left at a local default, that each service has all of its
objects, that the operators' resources are wired, and that the database connections fit.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "deploy" / "checks"))
import generate  # noqa: E402
import manifests  # noqa: E402
from fleet_table import KUBERNETES, PROCESSES, Process, available, process, shard_url_key  # noqa: E402

DEPLOYED = [p for p in PROCESSES if p.kind == "service" and available(p)]
OVERLAYS = {o.name: o for o in manifests.OVERLAYS}
URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://(?:[^@/\s\"']*@)?([A-Za-z0-9.-]+)(?::(\d+))?")
LOCAL = re.compile(r"127\.0\.0\.1|\blocalhost\b|::1")
# Secrets the operators write: the RabbitMQ cluster operator's default user.
OPERATOR_SECRETS = {
    (f"{generate.RABBITMQ}-default-user", "username"),
    (f"{generate.RABBITMQ}-default-user", "password"),
}


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    try:
        return manifests.render(OVERLAYS[request.param])
    except (RuntimeError, FileNotFoundError) as exc:
        pytest.fail(f"kustomize could not render {request.param}: {exc}")


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return manifests.named(docs, kind)


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        f"{d['kind']}/{d['metadata']['name']}": d["spec"]["template"]["spec"]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
    }


def contract() -> dict[tuple[str, str], bool]:
    """(Secret, key) → required, as deploy/k8s/secrets.example.yaml states it (optional keys are comments)."""
    text = generate.SECRETS_EXAMPLE.read_text()
    keys: dict[tuple[str, str], bool] = {}
    for doc in text.split("\n---\n"):
        secret = yaml.safe_load(doc)
        name = secret["metadata"]["name"]
        keys |= {(name, k): True for k in secret.get("stringData", {})}
        keys |= {(name, k): False for k in re.findall(r"^  # ([A-Z0-9_]+): optional$", doc, re.M)}
    return keys


def services(docs: list[dict[str, Any]]) -> dict[str, set[int]]:
    """Service name → ports: the rendered Services and those the operators make for their resources."""
    found = {n: {port["port"] for port in s["spec"]["ports"]} for n, s in of_kind(docs, "Service").items()}
    for name in of_kind(docs, "Cluster"):
        found |= {f"{name}-{suffix}": {5432} for suffix in ("rw", "ro", "r")}
    for name in of_kind(docs, "RabbitmqCluster"):
        found[name] = {5672, 15672, 15692}
    return found


def container_env(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """The env a container gets, as the kubelet builds it: its ConfigMaps, then its env in order ($(VAR)
    expanded); a secret's value is a stand-in shaped like its contract's example."""
    configs = {n: c.get("data", {}) for n, c in of_kind(docs, "ConfigMap").items()}
    hints = {
        s["metadata"]["name"]: s.get("stringData", {})
        for s in yaml.safe_load_all(generate.SECRETS_EXAMPLE.read_text())
    }
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env |= configs[source["configMapRef"]["name"]]
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\(([A-Za-z0-9_]+)\)", lambda m: env.get(m[1], m[0]), item["value"])
        elif "configMapKeyRef" in item["valueFrom"]:
            ref = item["valueFrom"]["configMapKeyRef"]
            env[item["name"]] = configs[ref["name"]][ref["key"]]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            hint = hints.get(ref["name"], {}).get(ref["key"], "")
            hint = hint.replace("<namespace>", namespace(docs))
            example = re.sub(r"<[^>]*>", "secret", hint) if hint.count("<") < 2 or "://" in hint else ""
            if ref["key"].endswith("TOKEN_KEYS"):
                example = '["k8s-test-key-1", "k8s-test-key-2"]'
            if not ref.get("optional"):
                env[item["name"]] = example or f"k8s-test-{ref['key'].lower()}"
    return env


def namespace(docs: list[dict[str, Any]]) -> str:
    (found,) = {d["metadata"].get("namespace", "default") for d in docs}
    return found


def service_of(host: str, docs: list[dict[str, Any]]) -> str | None:
    """The Service a host names: a bare name, or ``<name>.<namespace>.svc[.cluster.local]`` in this one."""
    if "." not in host:
        return host
    match = re.fullmatch(r"([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?", host)
    if match is None:
        return None
    assert match[2] == namespace(docs), f"{host}: another namespace"
    return match[1]


def settings_class(p: Process) -> type[Any]:
    module, name = (p.settings or "").split(":")
    cls: type[Any] = getattr(importlib.import_module(module), name)
    return cls


class TestEveryService:
    @pytest.mark.parametrize("p", DEPLOYED, ids=lambda p: p.name)
    def test_has_all_of_its_objects(self, rendered: list[dict[str, Any]], p: Process) -> None:
        have = {(d["kind"], d["metadata"]["name"]) for d in rendered}
        wanted = {("ServiceAccount", p.name), ("ConfigMap", f"{p.name}-env"), ("Service", p.name)}
        wanted |= {("NetworkPolicy", p.name)}
        for role in p.roles:
            name = generate.deployment_name(p, role)
            wanted |= {("Deployment", name), ("PodDisruptionBudget", name)}
            wanted.add(("ScaledObject" if role == "worker" else "HorizontalPodAutoscaler", name))
        assert wanted - have == set()
        if p.database:
            jobs = [n for k, n in have if k == "Job" and n.startswith(f"{p.name}-migrate-")]
            assert len(jobs) == 1, f"{p.name}: one migration Job, not {jobs}"

    def test_nothing_else_is_deployed(self, rendered: list[dict[str, Any]]) -> None:
        fleet = {p.name for p in DEPLOYED}
        names = {
            d["metadata"]["labels"]["app.kubernetes.io/name"]
            for d in of_kind(rendered, "Deployment").values()
        }
        assert names - fleet == {generate.REDIS}


class TestPods:
    def test_service_accounts_carry_no_token(self, rendered: list[dict[str, Any]]) -> None:
        assert all(
            sa.get("automountServiceAccountToken") is False
            for sa in of_kind(rendered, "ServiceAccount").values()
        )
        for name, spec in pod_specs(rendered).items():
            assert spec.get("automountServiceAccountToken") is False, name

    def test_autoscaled_deployments_leave_replicas_to_the_autoscaler(
        self, rendered: list[dict[str, Any]]
    ) -> None:
        scaled = {
            h["spec"]["scaleTargetRef"]["name"] for h in of_kind(rendered, "HorizontalPodAutoscaler").values()
        }
        scaled |= {s["spec"]["scaleTargetRef"]["name"] for s in of_kind(rendered, "ScaledObject").values()}
        fleet = [n for n, d in of_kind(rendered, "Deployment").items() if n != generate.REDIS]
        assert set(fleet) <= scaled
        assert [n for n in scaled if "replicas" in of_kind(rendered, "Deployment")[n]["spec"]] == []

    def test_workers_scale_on_their_queues(self, rendered: list[dict[str, Any]]) -> None:
        auths = of_kind(rendered, "TriggerAuthentication")
        keys = contract()
        for name, scaled in of_kind(rendered, "ScaledObject").items():
            assert scaled["spec"]["minReplicaCount"] >= 1, f"{name} runs the outbox relay and loops"
            triggers = scaled["spec"]["triggers"]
            assert {t["type"] for t in triggers} == {"rabbitmq"}, name
            for trigger in triggers:
                auth = auths[trigger["authenticationRef"]["name"]]
                for ref in auth["spec"]["secretTargetRef"]:
                    assert keys.get((ref["name"], ref["key"])) is True, ref
        worker_queues = {q for p in DEPLOYED if "worker" in p.roles for q in generate.queues(p)}
        scaled_queues = {
            t["metadata"]["queueName"]
            for s in of_kind(rendered, "ScaledObject").values()
            for t in s["spec"]["triggers"]
        }
        assert worker_queues == scaled_queues

    def test_disruption_budgets_let_a_node_drain(self, rendered: list[dict[str, Any]]) -> None:
        for name, budget in of_kind(rendered, "PodDisruptionBudget").items():
            assert "minAvailable" not in budget["spec"], name
            assert budget["spec"]["maxUnavailable"] >= 1, name

    def test_fleet_pods_stop_gracefully_and_spread(self, rendered: list[dict[str, Any]]) -> None:
        for name, d in of_kind(rendered, "Deployment").items():
            if name == generate.REDIS:
                continue
            spec = d["spec"]["template"]["spec"]
            assert spec["containers"][0]["lifecycle"]["preStop"], name
            assert {c["topologyKey"] for c in spec["topologySpreadConstraints"]} >= {
                "kubernetes.io/hostname"
            }, name

    def test_images_by_exact_name_and_one_release_tag(self, rendered: list[dict[str, Any]]) -> None:
        images = {c["image"] for spec in pod_specs(rendered).values() for c in spec["containers"]}
        images |= {r["spec"]["image"] for r in of_kind(rendered, "RabbitmqCluster").values()}
        images |= {c["spec"]["imageName"] for c in of_kind(rendered, "Cluster").values()}
        assert all(":" in i for i in images), sorted(images)
        unset = sorted(i for i in images if i.rpartition(":")[2] in ("latest", generate.UNSET_TAG, ""))
        assert unset == [], "give each image its tag in every overlay's `images:`"
        fleet_tags = {i.rpartition(":")[2] for i in images if i.startswith(generate.IMAGES.registry + "/")}
        assert len(fleet_tags) == 1, f"one release at a time: {fleet_tags}"
        (tag,) = fleet_tags
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", tag), "the tag ends the migration Jobs' names"
        for name, job in of_kind(rendered, "Job").items():
            if job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate":
                assert name.endswith(f"-migrate-{tag}"), name
                assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]

    def test_writable_directories_are_volumes(self, rendered: list[dict[str, Any]]) -> None:
        for name, spec in pod_specs(rendered).items():
            for c in spec["containers"]:
                assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
                mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
                p = next((p for p in DEPLOYED if p.name == c["name"]), None)
                if p and p.volume:
                    assert p.volume.path in mounts, name


class TestSettings:
    """What each container is given, against the process's own Settings."""

    def test_every_secret_read_is_in_the_contract(self, rendered: list[dict[str, Any]]) -> None:
        keys = contract()
        read = set()
        for spec in pod_specs(rendered).values():
            for c in spec["containers"]:
                for item in c.get("env", []):
                    ref = item.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        read.add((ref["name"], ref["key"]))
                        assert (
                            keys.get((ref["name"], ref["key"])) is not ref.get("optional", False)
                            or (
                                ref["name"],
                                ref["key"],
                            )
                            in OPERATOR_SECRETS
                        ), f"{ref}: optional here, required in the contract (or back)"
        for cluster in of_kind(rendered, "Cluster").values():
            for role in cluster["spec"]["managed"]["roles"]:
                read |= {
                    (role["passwordSecret"]["name"], "username"),
                    (role["passwordSecret"]["name"], "password"),
                }
        for spec in pod_specs(rendered).values():
            read |= {
                (v["secret"]["secretName"], "users.json") for v in spec.get("volumes", []) if "secret" in v
            }
        assert read - set(keys) - OPERATOR_SECRETS == set()
        # A shard's URL is read only in the overlays that name it (test_k8s_shards.py checks which).
        shard_keys = {
            (p.name, shard_url_key(p, shard))
            for overlay in KUBERNETES.shards
            for p in DEPLOYED
            for shard in KUBERNETES.shards_of(overlay, p)
        }
        assert {k for k, required in keys.items() if required} - read - shard_keys == set(), (
            "in the contract, read by nothing"
        )

    @pytest.mark.parametrize("p", DEPLOYED, ids=lambda p: p.name)
    def test_settings_load_in_production_with_nothing_local(
        self, rendered: list[dict[str, Any]], p: Process, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The kit refuses a public default secret outside local runs; no setting may point at this machine."""
        settings = settings_class(p)
        for kind_name, spec in pod_specs(rendered).items():
            for c in spec["containers"]:
                if c["name"] != p.name:
                    continue
                env = container_env(rendered, c)
                assert [k for k, v in env.items() if "$(" in v] == [], kind_name
                for key in [k for k in os.environ if k.startswith(p.env_prefix)]:
                    monkeypatch.delenv(key)
                for key, value in env.items():
                    monkeypatch.setenv(key, value)
                loaded = settings(_env_file=None)
                assert loaded.environment in ("production", "staging")
                local = {
                    name: value
                    for name in type(loaded).model_fields
                    if name != "host" and LOCAL.search(value := str(getattr(loaded, name)))
                }
                assert local == {}, f"{kind_name}: left at a local default (set them in [kubernetes.env])"

    def test_every_url_names_a_service_that_exists(self, rendered: list[dict[str, Any]]) -> None:
        known = services(rendered)
        for name, spec in pod_specs(rendered).items():
            for c in spec["containers"]:
                for key, value in container_env(rendered, c).items():
                    for _, host, port in URL.findall(value):
                        service = service_of(host, rendered)
                        if service is None:  # the outside world
                            assert not LOCAL.search(host), f"{name} {key}: {value}"
                            continue
                        assert service in known, f"{name} {key}: {host} is no Service ({value})"
                        if port:
                            assert int(port) in known[service], f"{name} {key}: {host} has no port {port}"

    def test_the_gateway_routes_to_every_public_service(self, rendered: list[dict[str, Any]]) -> None:
        config = of_kind(rendered, "ConfigMap")[f"{process('gateway').name}-env"]["data"]
        routed = json.loads(config["GATEWAY_UPSTREAMS"])
        assert {u["prefix"] for u in routed.values()} == {p.public_path for p in DEPLOYED if p.public_path}

    def test_trusted_proxies_are_the_clusters(self, rendered: list[dict[str, Any]]) -> None:
        cluster = of_kind(rendered, "ConfigMap")[generate.CLUSTER_CONFIG]["data"]
        for p in (process("gateway"), process("auth-service")):
            (c,) = [
                c
                for d in of_kind(rendered, "Deployment").values()
                for c in d["spec"]["template"]["spec"]["containers"]
                if c["name"] == p.name
            ][:1]
            assert container_env(rendered, c)[f"{p.env_prefix}TRUSTED_PROXIES"] == cluster["TRUSTED_PROXIES"]
        assert json.loads(cluster["TRUSTED_PROXIES"]), "the ingress controller's range"


class TestTracing:
    def test_every_process_reads_its_tracing_from_the_cluster_config(
        self, rendered: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The OTEL_* of [kubernetes.tracing] sit in the cluster's ConfigMap, for an overlay to set once; an
        empty endpoint (the base's) leaves tracing off, an endpoint turns on the OTLP exporter."""
        from vitrine_kit import tracing

        for key in (tracing.TRACES_DIR_ENV, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            monkeypatch.delenv(key, raising=False)
        cluster = of_kind(rendered, "ConfigMap")[generate.CLUSTER_CONFIG]["data"]
        assert {k: cluster[k] for k in KUBERNETES.tracing.env} == KUBERNETES.tracing.env
        assert cluster["OTEL_EXPORTER_OTLP_ENDPOINT"] == ""
        deployments = of_kind(rendered, "Deployment")
        for p in DEPLOYED:
            for role in p.roles:
                spec = deployments[generate.deployment_name(p, role)]["spec"]["template"]["spec"]
                c = next(c for c in spec["containers"] if c["name"] == p.name)
                env = container_env(rendered, c)
                assert {k: env.get(k) for k in KUBERNETES.tracing.env} == KUBERNETES.tracing.env, p.name
                for key, value in env.items():
                    monkeypatch.setenv(key, value)
                assert tracing._exporters_from_env(p.name) == [], p.name
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4318")
        [exporter] = tracing._exporters_from_env("gateway")
        assert type(exporter).__name__ == "OTLPSpanExporter"

    def test_spans_may_reach_the_collector(self, rendered: list[dict[str, Any]]) -> None:
        tracing = KUBERNETES.tracing
        policies = of_kind(rendered, "NetworkPolicy")
        for p in DEPLOYED:
            assert any(
                any(
                    t.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                    == tracing.collector_namespace
                    for t in rule.get("to", [])
                )
                and any(port["port"] == tracing.collector_port for port in rule.get("ports", []))
                for rule in policies[p.name]["spec"]["egress"]
            ), p.name


class TestNetwork:
    def test_default_deny_then_the_fleets_flows(self, rendered: list[dict[str, Any]]) -> None:
        policies = of_kind(rendered, "NetworkPolicy")
        deny = policies["default-deny"]["spec"]
        assert deny["podSelector"] == {}
        assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
        assert "ingress" not in deny
        assert "egress" not in deny

        def reaches(source: str, target: str, port: int) -> bool:
            return any(
                any(
                    t.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == target
                    for t in rule.get("to", [])
                )
                and any(p["port"] == port for p in rule.get("ports", []))
                for rule in policies[source]["spec"]["egress"]
            )

        def admits(target: str, source: str, port: int) -> bool:
            return any(
                any(
                    f.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == source
                    for f in rule.get("from", [])
                )
                and any(p["port"] == port for p in rule.get("ports", []))
                for rule in policies[target]["spec"]["ingress"]
            )

        gateway = process("gateway")
        for p in DEPLOYED:
            if p.public_path:
                assert reaches(gateway.name, p.name, p.port), p.name
                assert admits(p.name, gateway.name, p.port), p.name
            for public, name in p.links():
                q = process(name)
                if not public and q in DEPLOYED:
                    assert reaches(p.name, q.name, q.port), f"{p.name} → {q.name}"
                    assert admits(q.name, p.name, q.port), f"{p.name} → {q.name}"
            egress = policies[p.name]["spec"]["egress"]
            if p.database:
                assert any(
                    t.get("podSelector", {}).get("matchLabels", {}).get("cnpg.io/cluster")
                    == generate.DB_CLUSTER
                    for r in egress
                    for t in r.get("to", [])
                ), p.name
            if "rabbitmq" in p.infra:
                assert reaches(p.name, generate.RABBITMQ, 5672), p.name
            if "redis" in p.infra:
                assert reaches(p.name, generate.REDIS, 6379), p.name
                assert admits(generate.REDIS, p.name, 6379), p.name
            outside = any("ipBlock" in t for r in egress for t in r.get("to", []))
            assert outside == (p.name in KUBERNETES.internet), p.name
        for name in ("gateway", "relay-service"):
            ingress = policies[name]["spec"]["ingress"]
            assert any(f.get("namespaceSelector") for r in ingress for f in r["from"]), (
                f"the ingress controller → {name}"
            )

    def test_the_ingress_serves_the_api_the_feed_and_the_relay(self, rendered: list[dict[str, Any]]) -> None:
        by_path = {
            path["path"]: (ingress, path["backend"]["service"]["name"])
            for ingress in of_kind(rendered, "Ingress").values()
            for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]
        }
        assert all(i["spec"]["tls"] for i, _ in by_path.values())
        assert by_path["/"][1] == "gateway"
        feed, target = by_path["/api/notifications/feed"]
        assert target == "gateway"
        assert feed["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
        relay, target = by_path["/socket.io"]
        assert target == "relay-service"
        assert int(relay["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


class TestOperators:
    def test_postgresql_has_a_role_and_a_database_per_service(self, rendered: list[dict[str, Any]]) -> None:
        cluster = of_kind(rendered, "Cluster")[generate.DB_CLUSTER]
        roles = {r["name"] for r in cluster["spec"]["managed"]["roles"]}
        databases = {
            d["spec"]["name"]: d["spec"]["owner"]
            for d in of_kind(rendered, "Database").values()
            if d["spec"]["cluster"]["name"] == generate.DB_CLUSTER
        }
        wanted = {p.database for p in DEPLOYED if p.database}
        assert roles == wanted
        assert databases == {d: d for d in wanted}

    def test_rabbitmq_definitions_come_from_the_repository(self, rendered: list[dict[str, Any]]) -> None:
        assert len(of_kind(rendered, "RabbitmqCluster")) == 1
        config = of_kind(rendered, "ConfigMap")[f"{generate.RABBITMQ}-definitions"]["data"][
            "definitions.json"
        ]
        assert json.loads(config) == json.loads(generate.RABBITMQ_DEFINITIONS.read_text())
        jobs = [
            j
            for j in of_kind(rendered, "Job").values()
            if j["metadata"]["labels"]["app.kubernetes.io/component"] == "definitions"
        ]
        assert len(jobs) == 1
        definitions = json.loads(config)
        assert any(x["name"] == "vitrine.events" and x["type"] == "topic" for x in definitions["exchanges"])

    def test_the_connection_budget(self, rendered: list[dict[str, Any]]) -> None:
        """Per PostgreSQL cluster: replicas at the autoscalers' maxima x connections per process and database
        <= its max_connections - the reserve (the shards' side: test_k8s_shards.py)."""
        clusters = {c.cluster: c for c in manifests.budget(rendered)}
        home = clusters[generate.DB_CLUSTER]
        assert {u.deployment for u in home.uses} == {
            generate.deployment_name(p, role) for p in DEPLOYED if p.database for role in p.roles
        }
        for c in clusters.values():
            table = "\n".join(f"{u.deployment} {u.database}: {u.replicas} x {u.per_pod}" for u in c.uses)
            assert c.max_connections is not None, f"{c.cluster}: used, but no such Cluster"
            assert not c.over, f"{c.cluster}: {c.total} connections > {c.allowed}:\n{table}"


class TestCompose:
    """docker-compose.yml (generated) against the same table: every link names a compose service at its port."""

    def test_links(self) -> None:
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
        ports = {name: {int(p.split(":")[-1]) for p in s.get("ports", [])} for name, s in compose.items()}
        for p in filter(available, PROCESSES):
            env = compose[p.name]["environment"]
            for key, value in p.env.items():
                for public, name in p.links():
                    if not public and f"${{{name}}}" in value:
                        assert f"http://{name}:{process(name).port}" in env[f"{p.env_prefix}{key}"], key
            for key, value in env.items():
                for scheme, host, port in URL.findall(str(value)):
                    if host in ("localhost", "127.0.0.1") or "." in host:
                        continue
                    assert host in compose, f"{p.name} {key}: {host}"
                    if port and scheme.startswith("http"):
                        assert int(port) in ports[host], f"{p.name} {key}: {host}:{port}"
