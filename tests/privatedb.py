"""Throwaway PostgreSQL and MariaDB servers that a test may stop and restart.

The shared servers (5432, 3306) serve every engineer's tests and are never touched: these run
in a temporary folder on a free port, as the `postgres` user for PostgreSQL (initdb refuses
root) and with grant tables skipped for MariaDB (any user and password is accepted, so URLs
may carry a fake password to check that none leaks).
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from localwiki.process import free_port

PASSWORD = "Sekr1t-Pw-9e7d"  # accepted by trust auth / skip-grant-tables; must never be logged


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _wait_sql(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
        finally:
            engine.dispose()


class PrivatePostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ibanbot-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        shutil.chown(self.dir, "postgres") if os.geteuid() == 0 else None
        subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust",
                                     "-U", "postgres"]), check=True, capture_output=True)

    def url(self, database: str = "postgres") -> str:
        return (f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{self.port}/{database}")

    def start(self) -> None:
        subprocess.run(_as_postgres([
            _pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w",
            "-o", f"-p {self.port} -k {self.dir} -h 127.0.0.1", "start"]),
            check=True, capture_output=True)
        _wait_sql(self.url())

    def stop(self) -> None:
        """Immediate shutdown: like a crash, connections are cut."""
        subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                     "-w", "stop"]), capture_output=True)

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateMariaDB:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ibanbot-mariadb-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.data}",
                        "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)

    def url(self, database: str = "") -> str:
        return f"mysql+pymysql://root:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={self.data}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.dir / 'sock'}", "--user=root",
             f"--pid-file={self.dir / 'pid'}", "--skip-grant-tables", "--skip-log-bin",
             f"--log-error={self.dir / 'error.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_sql(self.url())

    def stop(self) -> None:
        """SIGKILL: like a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 "
                              "COLLATE utf8mb4_bin"))
        engine.dispose()
        return self.url(name)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
