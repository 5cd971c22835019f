"""The fleet table (`deploy/fleet.toml`) as typed, validated records, for the runner, the generator and tests.

Import it with `deploy/` on `sys.path`: ``from fleet_table import PROCESSES, available``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "deploy" / "fleet.toml"

KINDS = {"service", "sandbox"}
ROLE_SETS = [("api", "worker"), ("api",), ("all",)]
INFRA = {"rabbitmq", "redis"}
# "${auth-service}" (another process, as processes reach it) or "${public:gateway}" (as a browser does).
LINK = re.compile(r"\$\{(public:)?([a-z0-9-]+)\}")
OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"
DB_CLUSTER = (
    "vitrine-db"  # the CloudNativePG Cluster of the home databases; its read-write Service is <name>-rw
)
# A database name of the kit's shard map (vitrine_kit.db.shards), short enough to end a Cluster's name.
SHARD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


def links(value: str) -> list[tuple[bool, str]]:
    """``(public, name)`` of every process ``value`` names."""
    return [(bool(m[1]), m[2]) for m in LINK.finditer(value)]


@dataclass(frozen=True)
class Volume:
    """A data directory kept across restarts: a named volume at ``path``, its setting ``env`` pointing there."""

    name: str
    path: str
    env: str


@dataclass(frozen=True)
class Process:
    """One process of the fleet (one row of the table); see the header of ``deploy/fleet.toml``."""

    name: str
    kind: str
    folder: str
    package: str
    command: str
    args: tuple[str, ...]
    port: int
    env_prefix: str
    roles: tuple[str, ...]
    ready_path: str
    image: str
    infra: tuple[str, ...]
    service_client: bool
    settings: str | None = None
    database: str | None = None
    public_path: str | None = None
    route: dict[str, Any] = field(default_factory=dict)
    volume: Volume | None = None
    env: dict[str, str] = field(default_factory=dict)
    apt: tuple[str, ...] = ()  # OS packages its image installs (Debian names)
    compile: str | None = None  # a script its image's build stage runs with mypyc (`<script> --in-place`)

    @property
    def module(self) -> str:
        """The import name of its package (``auth-service`` → ``auth_service``)."""
        return self.package.replace("-", "_")

    @property
    def upstream(self) -> str:
        """Its name in the gateway's routing table (``auth-service`` → ``auth``)."""
        return self.name.removesuffix("-service")

    @property
    def serving_role(self) -> str:
        """The role whose process answers HTTP (``api`` or ``all``)."""
        return self.roles[0]

    def links(self) -> list[tuple[bool, str]]:
        """``(public, name)`` of every process its env names, in order."""
        return [link for value in self.env.values() for link in links(value)]


def shard_cluster(shard: str) -> str:
    """The CloudNativePG Cluster of the databases named ``shard``: ``vitrine-db-<shard>`` (``_`` → ``-``)."""
    return f"{DB_CLUSTER}-{shard.replace('_', '-')}"


def shard_database(p: Process, shard: str) -> str:
    """``p``'s database named ``shard``: ``<database>_<shard>`` (as a local fleet names it)."""
    return f"{p.database}_{shard}"


def shard_url_key(p: Process, shard: str) -> str:
    """The key of ``p``'s Secret (and its env) holding the URL of its database named ``shard``."""
    return f"{p.env_prefix}DATABASE_SHARD_{shard.upper()}_URL"


@dataclass(frozen=True)
class Role:
    """How Kubernetes runs one role's Deployment: replicas (autoscaler bounds) and each process's DB pool."""

    min_replicas: int
    max_replicas: int
    pool_size: int
    max_overflow: int


@dataclass(frozen=True)
class Tracing:
    """``[kubernetes.tracing]``: the OpenTelemetry env of every process, and where its collector listens."""

    env: dict[str, str]
    collector_namespace: str
    collector_port: int


@dataclass(frozen=True)
class Kubernetes:
    """The ``[kubernetes]`` table: what deploy/k8s needs beyond the rows (see the header of fleet.toml)."""

    max_connections: int
    reserved_connections: int
    internet: dict[str, list[int]]
    from_secret: dict[str, list[str]]
    roles: dict[str, Role]
    overrides: dict[str, dict[str, Role]]
    env: dict[str, dict[str, str]]
    tracing: Tracing
    # overlay → database name → the services given a database of that name besides their home one
    shards: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def role(self, p: Process, role: str) -> Role:
        """``role``'s settings for ``p``: its own override, else the role's."""
        return self.overrides.get(p.name, {}).get(role, self.roles[role])

    def shards_of(self, overlay: str, p: Process) -> list[str]:
        """The names of ``p``'s databases besides its home one in ``overlay``, in the table's order."""
        return [shard for shard, names in self.shards.get(overlay, {}).items() if p.name in names]


def _role(row: dict[str, Any], base: Role | None = None) -> Role:
    replicas = row.get("replicas", [base.min_replicas, base.max_replicas] if base else None)
    pool = row.get("pool", [base.pool_size, base.max_overflow] if base else None)
    if replicas is None or pool is None:
        raise ValueError(f"{TABLE.name}: [kubernetes.roles] needs replicas and pool for every role")
    return Role(min_replicas=replicas[0], max_replicas=replicas[1], pool_size=pool[0], max_overflow=pool[1])


def _members() -> set[str]:
    """The workspace's member folders: a service may be described here before its row is added."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    return {
        str(path.parent.relative_to(ROOT))
        for pattern in patterns
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    }


def _kubernetes(data: dict[str, Any], processes: list[Process]) -> Kubernetes:
    names = {p.name for p in processes} | _members()
    roles = {name: _role(row) for name, row in data["roles"].items()}
    overrides = {
        name: {role: _role(row, roles[role]) for role, row in by_role.items()}
        for name, by_role in data.get("process", {}).items()
    }
    env = data.get("env", {})
    from_secret = data.get("from_secret", {})
    unknown = (set(overrides) | set(env) | set(from_secret) | set(data.get("internet", []))) - names
    if unknown:
        raise ValueError(f"{TABLE.name}: [kubernetes] names unknown processes {sorted(unknown)}")
    for name, values in env.items():
        problems = [n for v in values.values() for _, n in links(v) if n not in names | {"app"}]
        if problems:
            raise ValueError(f"{TABLE.name}: [kubernetes.env.{name}] names unknown processes {problems}")
    shards = _shards(data.get("shards", {}), processes)
    tracing = data.get("tracing", {})
    tracing_env = {k: str(v) for k, v in tracing.get("env", {}).items()}
    if not tracing_env.keys() >= {"OTEL_EXPORTER_OTLP_ENDPOINT"} or any(
        not k.startswith("OTEL_") for k in tracing_env
    ):
        raise ValueError(
            f"{TABLE.name}: [kubernetes.tracing.env] holds OTEL_* names, the endpoint among them"
        )
    return Kubernetes(
        max_connections=data["max_connections"],
        reserved_connections=data["reserved_connections"],
        internet=data.get("internet", {}),
        from_secret=from_secret,
        roles=roles,
        overrides=overrides,
        env=env,
        tracing=Tracing(
            env=tracing_env,
            collector_namespace=tracing.get("collector_namespace", "monitoring"),
            collector_port=int(tracing.get("collector_port", 4318)),
        ),
        shards=shards,
    )


def _shards(data: dict[str, Any], processes: list[Process]) -> dict[str, dict[str, tuple[str, ...]]]:
    """``[kubernetes.shards.<overlay>]``: ``<name> = [services]``, each service one with a database."""
    with_db = {p.name for p in processes if p.database}
    found = {}
    for overlay, by_name in data.items():
        where = f"{TABLE.name}: [kubernetes.shards.{overlay}]"
        if not (OVERLAYS / overlay / "kustomization.yaml").exists():
            raise ValueError(f"{where}: no overlay deploy/k8s/overlays/{overlay}")
        for shard, names in by_name.items():
            if shard == "home" or not SHARD_NAME.match(shard):
                raise ValueError(f"{where}: {shard!r} must match {SHARD_NAME.pattern} and not be 'home'")
            if not isinstance(names, list) or not names or len(set(names)) != len(names):
                raise ValueError(f"{where}: {shard} lists each service once, at least one")
            unknown = sorted(set(names) - with_db)
            if unknown:
                raise ValueError(f"{where}: {shard} names {unknown}, not services with a database")
        found[overlay] = {shard: tuple(names) for shard, names in by_name.items()}
    return found


@dataclass(frozen=True)
class Images:
    """What every image is built from."""

    python: str
    uv: str
    registry: str
    uid: int


OPTIONAL = {"settings", "database", "public_path", "route", "volume", "env", "apt", "compile"}
REQUIRED = set(Process.__dataclass_fields__) - OPTIONAL


def _process(row: dict[str, Any]) -> Process:
    name = row.get("name", "?")
    missing, unknown = REQUIRED - set(row), set(row) - REQUIRED - OPTIONAL
    if missing or unknown:
        raise ValueError(f"{TABLE.name}: {name}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    volume = row.get("volume")
    return Process(
        **{
            **row,
            "args": tuple(row["args"]),
            "roles": tuple(row["roles"]),
            "infra": tuple(row["infra"]),
            "apt": tuple(row.get("apt", ())),
            "volume": Volume(**volume) if volume else None,
        }
    )


def validate(processes: list[Process]) -> None:
    """Raise ``ValueError`` on a table that cannot describe one fleet (duplicates, dangling names…)."""
    by_name = {p.name: p for p in processes}
    columns: dict[str, list[str | int]] = {
        "name": [p.name for p in processes],
        "port": [p.port for p in processes],
        "env_prefix": [p.env_prefix for p in processes],
        "database": [p.database for p in processes if p.database],
        "public_path": [p.public_path for p in processes if p.public_path],
    }
    for what, values in columns.items():
        twice = {v for v in values if values.count(v) > 1}
        if twice:
            raise ValueError(f"{TABLE.name}: {what} used twice: {sorted(map(str, twice))}")
    for p in processes:
        problems = []
        if p.kind not in KINDS:
            problems.append(f"kind {p.kind!r} not in {sorted(KINDS)}")
        if p.roles not in ROLE_SETS:
            problems.append(f"roles {list(p.roles)} not one of {[list(r) for r in ROLE_SETS]}")
        if set(p.infra) - INFRA:
            problems.append(f"infra {sorted(set(p.infra) - INFRA)} unknown")
        if not p.env_prefix.endswith("_") or not p.env_prefix.isupper():
            problems.append(f"env_prefix {p.env_prefix!r} is not like AUTH_")
        owner = by_name.get(p.image)
        if owner is None or owner.folder != p.folder:
            problems.append(f"image {p.image!r} is not a process of {p.folder}")
        problems += [f"env names unknown process {n!r}" for _, n in p.links() if n not in by_name]
        if p.route and not p.public_path:
            problems.append("route without public_path")
        if problems:
            raise ValueError(f"{TABLE.name}: {p.name}: {'; '.join(problems)}")


def load(path: Path = TABLE) -> tuple[Images, list[Process]]:
    """Read and validate the table."""
    data = tomllib.loads(path.read_text())
    processes = [_process(row) for row in data["process"]]
    validate(processes)
    return Images(**data["images"]), processes


def load_kubernetes(path: Path = TABLE) -> Kubernetes:
    """The ``[kubernetes]`` table, checked against the rows."""
    data = tomllib.loads(path.read_text())
    return _kubernetes(data["kubernetes"], [_process(row) for row in data["process"]])


IMAGES, PROCESSES = load()
KUBERNETES = load_kubernetes()


def process(name: str) -> Process:
    """The row named ``name``."""
    return next(p for p in PROCESSES if p.name == name)


def scripts(folder: str) -> dict[str, str]:
    """The console scripts a workspace folder's package declares (none when it has no package yet)."""
    pyproject = ROOT / folder / "pyproject.toml"
    if not pyproject.exists():
        return {}
    scripts: dict[str, str] = tomllib.loads(pyproject.read_text())["project"].get("scripts", {})
    return scripts


def available(p: Process) -> bool:
    """Ready to run: its package declares its console script (new packages get it when they are ready)."""
    return p.command in scripts(p.folder)


def resolve(value: str, internal: Callable[[Process], str], public: Callable[[Process], str]) -> str:
    """``value`` with every ``${x}`` / ``${public:x}`` replaced by that process's URL."""
    return LINK.sub(lambda m: (public if m[1] else internal)(process(m[2])), value)


def gateway_upstreams(url: Callable[[Process], str], among: Iterable[Process] = PROCESSES) -> dict[str, Any]:
    """The gateway's routing table (``GATEWAY_UPSTREAMS``): every process with a public path."""
    return {p.upstream: {"prefix": p.public_path, "url": url(p), **p.route} for p in among if p.public_path}


def service_clients(among: Iterable[Process]) -> list[dict[str, Any]]:
    """Service clients seeded at auth-service (client-credentials grant); each secret is the service's default."""
    return [
        {"client_id": p.name, "client_secret": f"{p.name}-local-secret", "scopes": []}
        for p in among
        if p.service_client
    ]
