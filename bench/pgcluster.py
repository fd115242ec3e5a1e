"""A throwaway PostgreSQL cluster on loopback, for when DATABASE_URL names none.

Started the way .ci/run starts its own: initdb as the `postgres` user when we
are root (initdb refuses to run as root), trust authentication for the
`vanguard` role, a free port on 127.0.0.1.  fsync and synchronous commit are
off because the data is rebuilt on every run; they speed up the seeding, not
the reads being measured.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ROLE = "vanguard"
DATABASE = "vanguard_bench"
SERVER_OPTIONS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Big enough to keep the member indexes the counts read in PostgreSQL's own
    # cache, as any server sized for a city's 1.5 million members would.
    "shared_buffers": "1GB",
    "max_wal_size": "4GB",
}


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path:
    """The directory holding initdb, pg_ctl and createdb: PATH first, then pg_config, then Debian's versioned dirs."""
    # PATH may hold symlinks to some of them only (Debian links initdb and pg_ctl, not createdb): follow them.
    on_path = shutil.which("pg_ctl")
    if on_path and _complete(Path(on_path).resolve().parent):
        return Path(on_path).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if _complete(bindir):
            return bindir
    candidates = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if _complete(Path(d))]
    if candidates:
        return max(candidates, key=lambda d: [int(n) for n in re.findall(r"\d+", d.parent.name)] or [0])
    raise PostgresMissing(
        "PostgreSQL server binaries (initdb, pg_ctl, createdb) were not found.\n"
        "Either install PostgreSQL (Debian/Ubuntu: apt-get install postgresql) so that `make bench` can start\n"
        "a temporary server, or point it at an existing one: DATABASE_URL=postgres://user@host:port/db make bench"
    )


def _complete(bindir: Path) -> bool:
    return all((bindir / name).exists() for name in ("initdb", "pg_ctl", "createdb"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryCluster:
    """`with TemporaryCluster() as url:` yields a DATABASE_URL; the server and its files go at exit."""

    def __init__(self, log=print):
        self.log = log
        self.bindir = find_bindir()
        self.as_postgres = os.geteuid() == 0
        self.workdir: Path | None = None
        self.started = False

    def _run(self, *argv: str) -> None:
        if self.as_postgres:
            argv = ("su", "postgres", "-s", "/bin/sh", "-c", shlex.join(argv))
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    def _own(self, path: Path) -> Path:
        path.mkdir()
        if self.as_postgres:
            shutil.chown(path, "postgres", "postgres")
        return path

    def __enter__(self) -> str:
        self.workdir = Path(tempfile.mkdtemp(prefix="vanguard-bench."))
        self.workdir.chmod(0o755)  # the postgres user must reach the dirs it owns inside
        pgdata = self._own(self.workdir / "pgdata")
        # The server writes its socket lock file there, so postgres must own it too.
        sockets = self._own(self.workdir / "sockets")
        port = _free_port()
        try:
            self._run(
                str(self.bindir / "initdb"), "-D", str(pgdata), "-U", ROLE, "-A", "trust", "-E", "UTF8",
                "--locale=C.UTF-8",
            )  # fmt: skip
            options = " ".join(f"-c {name}={value}" for name, value in SERVER_OPTIONS.items())
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(pgdata / "server.log"), "-w", "start",
                "-o", f"-p {port} -k {sockets} {options}",
            )  # fmt: skip
            self.started = True
            self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", ROLE, DATABASE)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.log(f"Started a temporary PostgreSQL ({self.bindir}) on 127.0.0.1:{port} in {self.workdir}")
        return f"postgres://{ROLE}@127.0.0.1:{port}/{DATABASE}"

    def __exit__(self, *exc_info) -> None:
        if self.started:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.workdir / "pgdata"), "stop", "-m", "fast")
            self.started = False
            self.log("Stopped the temporary PostgreSQL.")
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
