"""A PostgreSQL cluster, a RabbitMQ node and a Redis of the drills' own, in one temporary folder.

The drills stop and restart these; the machine's own servers (shared by everyone on it) are never touched.
Each server listens on 127.0.0.1 on a free port, keeps its data, sockets and logs under the folder, and is
stopped and deleted by ``Infra.close()``. A folder left by a run that was killed is swept by the next one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "vitrine-drills-"
DRILL_USER = "vitrine-drills"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port(port: int, up: bool, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while port_open(port) != up:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} still {'down' if up else 'up'} on :{port} after {timeout} s")
        time.sleep(0.1)


def pg_bin() -> Path:
    """The newest PostgreSQL server binaries installed (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(re.sub(r"\D", "", p) or 0))
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return Path(initdb).parent


def rabbit_bin() -> Path:
    """The scripts that run a node as the calling user (/usr/sbin's wrappers switch to the rabbitmq user)."""
    for folder in ("/usr/lib/rabbitmq/bin", "/usr/local/lib/rabbitmq/bin"):
        if Path(folder, "rabbitmq-server").exists():
            return Path(folder)
    server = shutil.which("rabbitmq-server")
    if server is None:
        raise RuntimeError("rabbitmq-server is not installed")
    return Path(server).parent


def run_as() -> list[str]:
    """initdb and postgres refuse root: as root, run them as ``postgres`` (or a user made for the drills)."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", DRILL_USER):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"]
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", DRILL_USER], check=True
    )
    return ["runuser", "-u", DRILL_USER, "--"]


@dataclass
class Postgres:
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "pg" / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}"

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*run_as(), str(pg_bin() / "pg_ctl"), "-D", str(self.data), *args],
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def init(self) -> None:
        folder = self.root / "pg"
        folder.mkdir()
        if os.geteuid() == 0:
            owner = run_as()[2]
            shutil.chown(folder, owner)
        subprocess.run(
            [
                *run_as(),
                str(pg_bin() / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root / 'pg'} -c listen_addresses=127.0.0.1 -c max_connections=500"
            # Durability is the drill's subject: commits stay synchronous; only fsync (power loss) is off.
            " -c fsync=off -c full_page_writes=off"
        )
        self._ctl("-l", str(self.root / "pg" / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "-t", "60", "stop", check=False)


@dataclass
class Rabbit:
    root: Path
    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    node: str = field(default_factory=lambda: f"vitrine-drills-{secrets.token_hex(4)}@localhost")
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        folder = self.root / "rabbitmq"
        return {
            **os.environ,
            # The Erlang cookie is read from $HOME: the node and rabbitmqctl share one in the folder.
            "HOME": str(folder),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def init(self) -> None:
        folder = self.root / "rabbitmq"
        folder.mkdir()
        cookie = folder / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16).upper())
        cookie.chmod(0o400)
        (folder / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq's: it names the machine's node
        (folder / "enabled_plugins").write_text("[].\n")  # no management listener to collide with
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")

    def start(self) -> None:
        log = (self.root / "rabbitmq" / "server.out").open("ab")
        self.process = subprocess.Popen(
            [str(rabbit_bin() / "rabbitmq-server")],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ node {self.node} did not start; see {log.name}")
            time.sleep(0.2)

    def stop(self) -> str:
        """Stop the node as an operator would (``rabbitmqctl stop``); SIGTERM, then SIGKILL, if it hangs.

        Returns how it stopped.
        """
        if self.process is None:
            return "not running"
        how = "rabbitmqctl stop"
        try:
            subprocess.run(
                [str(rabbit_bin() / "rabbitmqctl"), "-n", self.node, "stop"],
                env=self.env(),
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=90,
            )
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            how = "SIGTERM (rabbitmqctl hung)"
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                how = "SIGKILL (rabbitmqctl and SIGTERM hung)"
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        return how


@dataclass
class Redis:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            return  # the gateway keeps its rate-limit buckets in memory without Redis
        folder = self.root / "redis"
        folder.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
                "--logfile",
                str(folder / "server.log"),
            ],
            start_new_session=True,
        )
        remember(self.root, self.process.pid, "redis-server")
        wait_port(self.port, True, 30, "Redis")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


@dataclass
class Infra:
    """The three servers of one drill run, in ``root``."""

    root: Path
    postgres: Postgres
    rabbit: Rabbit
    redis: Redis

    @classmethod
    def start(cls) -> Infra:
        sweep()
        root = Path(tempfile.mkdtemp(prefix=PREFIX))
        root.chmod(0o755)  # PostgreSQL runs as another user and must reach its folder
        (root / "owner.pid").write_text(str(os.getpid()))
        infra = cls(root, Postgres(root), Rabbit(root), Redis(root))
        (root / "rabbit.node").write_text(infra.rabbit.node)
        try:
            infra.postgres.init()
            infra.postgres.start()
            infra.rabbit.init()
            infra.rabbit.start()
            infra.redis.start()
        except BaseException:
            infra.close()
            raise
        return infra

    def close(self) -> None:
        try:
            self.redis.stop()
            self.rabbit.stop()
            self.postgres.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def remember(root: Path, pid: int, command: str) -> None:
    """Note a process group this run started, for ``sweep`` to end should the run be killed."""
    with (root / "processes").open("a") as f:
        f.write(f"{pid} {command}\n")


def _end_group(pid: int, command: str) -> None:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return
    if command in cmdline:  # still the process this run started, not a reused pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep() -> None:
    """Stop and delete what a killed drill run left behind (its owner process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        with contextlib.suppress(OSError):
            for line in (folder / "processes").read_text().splitlines():
                pid, command = line.split(" ", 1)
                _end_group(int(pid), command)
        if (folder / "pg" / "data" / "postmaster.pid").exists():
            Postgres(folder, port=0).stop("immediate")
        with contextlib.suppress(OSError):
            node = (folder / "rabbit.node").read_text().strip()
            rabbit = Rabbit(folder, port=0, dist_port=0, node=node)
            subprocess.run(
                [str(rabbit_bin() / "rabbitmqctl"), "-n", node, "stop"],
                env=rabbit.env(),
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)
