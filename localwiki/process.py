"""The `php -S` server process: start in its own session, find, wait for, stop."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .errors import LocalWikiError

MW_DIR = Path("/usr/share/mediawiki")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def spawn_server(port: int, config_file: Path, log_file: Path,
                 workers: int = 4) -> subprocess.Popen[bytes]:
    """Start `php -S` as the leader of a new session (and process group)."""
    env = dict(os.environ, MW_CONFIG_FILE=str(config_file), PHP_CLI_SERVER_WORKERS=str(workers))
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(MW_DIR)],
            cwd=str(config_file.parent), env=env, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )


def pid_alive(pid: int, port: int | None = None) -> bool:
    """A live, non-zombie `php -S` process (with this port, if given)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    if state == "Z" or not os.path.basename(cmdline[0]).startswith(b"php"):
        return False
    return port is None or f"127.0.0.1:{port}".encode() in cmdline


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def kill_group(pgid: int, proc: subprocess.Popen[bytes] | None = None,
               timeout: float = 10.0) -> None:
    """SIGTERM the whole group, wait, SIGKILL what is left; reap our own child."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        if _wait_group_gone(pgid, proc, wait):
            break
    if proc is not None:
        proc.wait(timeout=5)
    if group_members(pgid):
        raise LocalWikiError(f"processes of group {pgid} survived SIGKILL: {group_members(pgid)}")


def _wait_group_gone(pgid: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            proc.poll()
        if not group_members(pgid):
            return True
        time.sleep(0.05)
    return False


def siteinfo(api_url: str, timeout: float = 2.0) -> dict[str, object]:
    url = f"{api_url}?action=query&meta=siteinfo&format=json"
    # the test wiki's own http://127.0.0.1 URL, never a user-given scheme
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # nosec B310
        data = json.loads(answer.read().decode("utf-8"))
    return dict(data["query"]["general"])


def wait_for_api(api_url: str, proc: subprocess.Popen[bytes], log_file: Path,
                 timeout: float = 30.0) -> dict[str, object]:
    """Poll siteinfo until it answers; fail early if the server died."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LocalWikiError(f"php -S exited with {proc.returncode}: {tail(log_file)}")
        try:
            return siteinfo(api_url)
        except (OSError, urllib.error.URLError, ValueError, KeyError) as exc:
            last_error = exc
            time.sleep(0.1)
    raise LocalWikiError(f"{api_url} did not answer within {timeout:.0f} s ({last_error}): "
                         f"{tail(log_file)}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
