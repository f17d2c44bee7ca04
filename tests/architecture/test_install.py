"""Issue 14: the documented installs run as written, in fresh virtual environments.

- the lock file requirements/deploy.txt covers every runtime dependency with exact pins and hashes;
- `python -m build` makes an sdist (the deployment kit) and a wheel;
- a server (systemd) install: the wheel in a fresh venv, outside the source tree, the locked
  dependencies, the PostgreSQL URL exactly as documented, the unit's own commands, a BotPassword
  login with PYWIKIBOT_DIR where the unit puts it;
- a Toolforge install: a copy of the checkout in a fresh tool home, deploy/toolforge/install.sh,
  the MariaDB URL as documented, the jobs file's commands.

Each runs `db upgrade` and the demo's `run --once` (a breach made on the real local wiki, then
found in the queue). Packages come from PyPI through the pip cache: no network is a failure.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from sqlalchemy import URL, make_url

from bot import __version__
from localwiki.testing import make_user
from tests.harness import _ban_toml, ban, people, unique
from tests.storage_fixtures import _server_database

pytestmark = pytest.mark.wiki
REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements" / "deploy.txt"
WHEEL = f"ibanbot-{__version__}-py3-none-any.whl"
LOCKED = "pip install --require-hashes -r requirements/deploy.txt"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pinned = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: ;.*)? \\$", LOCK.read_text(),
                        re.M)
    return {canonical(name): version for name, version in pinned}


def documented_urls() -> dict[str, str]:
    """The README's table of database URLs: backend -> URL."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (SQLite|PostgreSQL|MariaDB[^|]*?) +\|[^|]*\| `([^`]+)` +\|$", readme,
                      re.M)
    return {name.split()[0].split("/")[0]: url for name, url in rows}


def sh(argv: list[str] | str, cwd: Path, env: dict[str, str],
       timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, shell=isinstance(argv, str))
    assert done.returncode == 0, (f"{argv} -> {done.returncode}\n{done.stdout[-3000:]}\n"
                                     f"{done.stderr[-3000:]}")
    return done


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh login has: no PYWIKIBOT_DIR or IBANBOT_* of the test session, this
    machine's pip settings and cache (the cache keeps the test fast; a missing one costs time)."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("PIP_", "PYENV")) or k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env.update(HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONUNBUFFERED="1", **extra)
    return env


def copy_checkout(target: Path) -> Path:
    """The files a clone has (tracked, plus new ones not ignored), as they are now."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@contextlib.contextmanager
def documented_database(backend: str, documented: str) -> Iterator[str]:
    """A fresh database on the local server, reached with the documented URL's driver (the
    scheme); user, password, host, port and database name are the test server's."""
    with contextlib.contextmanager(_server_database)(backend) as raw:
        local = make_url(raw)
        url = URL.create(make_url(documented).drivername, local.username, local.password,
                         local.host, local.port, local.database, make_url(documented).query)
        yield url.render_as_string(hide_password=False)


def operator_settings(example: Path, target: Path, wiki, user: str = "") -> Path:
    """An example settings file copied as the docs say, its wikis replaced by the local one."""
    text = example.read_text(encoding="utf-8")
    first_wiki = re.search(r"^\[\[wikis\]\]$", text, re.M)
    assert first_wiki, example
    target.write_text(text[:first_wiki.start()]
                      + f'[[wikis]]\nname = "{wiki.name}"\napi = "{wiki.api_url}"\n'
                      "poll_seconds = 5\nmax_retries = 1\nretry_wait = 1\n"
                      + (f'user = "{user}"\n' if user else ""), encoding="utf-8")
    return target


def breach_after_ban(wiki, folder: Path) -> tuple[str, str]:
    """The demo's first breach: a banned user edits the protected user's talk page."""
    (alice, alice_client), (bob, _) = people(wiki, "Alice", "Bob")
    (folder / "bans.toml").write_text(_ban_toml(ban(alice, bob, id="IB-INSTALL-1")))
    alice_client.edit(f"User talk:{bob}", "Stay away from my articles.", "message")
    return alice, bob


def queued(ibanbot: Path, settings: Path, cwd: Path, env: dict[str, str]) -> list[dict]:
    done = sh([str(ibanbot), "--config", str(settings), "queue", "list", "--format", "json"],
              cwd, env)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` on a copy of the checkout: the sdist, and the wheel built from it."""
    src = copy_checkout(tmp_path_factory.mktemp("checkout"))
    out = tmp_path_factory.mktemp("dist")
    sh([sys.executable, "-m", "build", "--outdir", str(out), str(src)], src,
       clean_env(Path.home()))
    return out


# -- the lock file and the extras (no network) ------------------------------------------------
def test_lock_file_pins_every_runtime_dependency_with_hashes():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert [canonical(Requirement(r).name) for r in extras["postgresql"]] == ["psycopg"]
    assert "binary" in Requirement(extras["postgresql"][0]).extras  # no compiler or libpq needed
    assert [canonical(Requirement(r).name) for r in extras["mysql"]] == ["pymysql"]
    assert not any("psycopg2" in r for r in extras["test"])  # psycopg2 works but is not needed
    pins = lock_pins()
    for text in project["dependencies"] + extras["postgresql"] + extras["mysql"]:
        req = Requirement(text)
        name = canonical(req.name)
        assert name in pins, f"{name} is missing from {LOCK.name}: run ./scripts/lock"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} breaks {req}"
        for extra in req.extras:
            assert f"{name}-{extra}" in pins  # psycopg[binary] -> psycopg-binary
    assert pins["sqlalchemy"].startswith("2.1.")
    blocks = re.split(r"\n(?=[a-z0-9])", LOCK.read_text().split("\n", 2)[2].strip())
    assert len(blocks) == len(pins) and all("--hash=sha256:" in b for b in blocks)
    assert LOCK.read_text().splitlines()[1].strip() == "#    ./scripts/lock"


def test_documented_urls_and_install_commands_agree():
    urls = documented_urls()
    assert urls == {"SQLite": "sqlite:///ibanbot.sqlite3",
                    "PostgreSQL": "postgresql+psycopg://ibanbot:PASSWORD@db.example.org/ibanbot",
                    "MariaDB": "mysql+pymysql://ibanbot:PASSWORD@db.example.org/ibanbot"}
    schemes = {u.split("://")[0] for u in urls.values()}
    files = {p: p.read_text(encoding="utf-8") for p in (
        REPO / "config" / "settings.example.toml", REPO / "deploy" / "ibanbot.env.example",
        REPO / "deploy" / "toolforge" / "settings.toml.example", REPO / "README.md")}
    for path, text in files.items():
        # every full URL (a bare `postgresql://` in the README's driver notes is no example)
        examples = "\n".join(line for line in text.splitlines()
                              if "typo" not in line)  # the faults table's wrong URLs
        used = set(re.findall(r"\b((?:postgresql|mysql|mariadb|sqlite)[+a-z0-9]*)://[^\s`'\"]",
                              examples))
        assert used <= schemes, f"{path.name}: {used - schemes}"
    readme = files[REPO / "README.md"]
    unit = (REPO / "deploy" / "ibanbot.service").read_text(encoding="utf-8")
    for text in (readme, unit):
        assert LOCKED in text and "pip install --no-deps" in text
        assert not re.search(r"pip install [\"']?ibanbot\[", text)  # not on PyPI
    assert "./ibanbot/deploy/toolforge/install.sh" in readme


# -- a server: the wheel, PostgreSQL, the unit's commands --------------------------------------
def locked_venv(venv: Path, wheel: Path, cwd: Path, env: dict[str, str]) -> Path:
    """The README's two commands (the lock, then the wheel without dependencies); the extras'
    drivers must all be in the lock (pip may not reach an index for them)."""
    lock = shutil.copy(LOCK, cwd / "deploy.txt")
    sh([sys.executable, "-m", "venv", str(venv)], cwd, env)
    pip = [str(venv / "bin" / "pip"), "install", "--quiet"]
    sh([*pip, "--require-hashes", "-r", str(lock)], cwd, env)
    sh([*pip, "--no-deps", str(wheel)], cwd, env)
    sh([*pip, "--no-index", f"{wheel}[postgresql,mysql]"], cwd, env)
    sh([str(venv / "bin" / "pip"), "check"], cwd, env)
    where = sh([str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"], cwd, env)
    assert where.stdout.startswith(str(venv)), where.stdout  # not the source tree
    return venv / "bin" / "ibanbot"


def pywikibot_folder(folder: Path, wiki) -> str:
    """PYWIKIBOT_DIR as the README sets it up: user-config.py from the example and a
    BotPassword in user-password.py, both mode 600; returns the account's name."""
    account = make_user(wiki, unique("Ibanbot"), groups=["bot"]).name
    _, password = wiki.create_bot_password(account, "ibanbot", ("basic", "highvolume"))
    folder.mkdir(mode=0o700, parents=True)
    config = (REPO / "user-config.py.example").read_text().replace("'IbanBot'", repr(account))
    (folder / "user-config.py").write_text(config)
    (folder / "user-password.py").write_text(f"({account!r}, BotPassword('ibanbot', "
                                             f"{password!r}))\n")
    for name in ("user-config.py", "user-password.py"):
        (folder / name).chmod(0o600)
    return account


def unit_commands(venv: Path, etc: Path) -> list[list[str]]:
    """ExecStartPre and ExecStart of the unit, in these folders; `run` gets --once."""
    unit = (REPO / "deploy" / "ibanbot.service").read_text(encoding="utf-8")
    commands = []
    for key in ("ExecStartPre", "ExecStart"):
        (line,) = re.findall(rf"^{key}=(.*)$", unit, re.M)
        argv = shlex.split(line.replace("/opt/ibanbot", str(venv))
                           .replace("/etc/ibanbot", str(etc)))
        commands.append(argv + (["--once"] if argv[-1] == "run" else []))
    return commands


def test_server_install_from_the_wheel_runs_the_units_commands(dist, local_wiki, tmp_path):
    with tarfile.open(dist / f"ibanbot-{__version__}.tar.gz") as sdist:
        shipped = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"deploy/ibanbot.service", "deploy/ibanbot.env.example", "deploy/toolforge/jobs.yaml",
            "deploy/toolforge/install.sh", "requirements/deploy.txt", "user-config.py.example",
            "config/settings.example.toml", "config/bans.example.toml"} <= shipped
    elsewhere, venv = tmp_path / "elsewhere", tmp_path / "opt" / "ibanbot"
    elsewhere.mkdir()
    env = clean_env(elsewhere)
    ibanbot = locked_venv(venv, dist / WHEEL, elsewhere, env)
    assert sh([str(ibanbot), "--version"], elsewhere, env).stdout == f"ibanbot {__version__}\n"

    env_file = dict(re.findall(r"^([A-Z_]+)=(.*)$",
                               (REPO / "deploy" / "ibanbot.env.example").read_text(), re.M))
    state, etc = tmp_path / "var" / "lib" / "ibanbot", tmp_path / "etc" / "ibanbot"
    pwbdir = state / Path(env_file["PYWIKIBOT_DIR"]).relative_to("/var/lib/ibanbot")
    account = pywikibot_folder(pwbdir, local_wiki)
    etc.mkdir(parents=True)
    settings = operator_settings(REPO / "config" / "settings.example.toml",
                                 etc / "settings.toml", local_wiki, user=account)
    alice, bob = breach_after_ban(local_wiki, etc)
    with documented_database("postgresql", env_file["IBANBOT_DATABASE_URL"]) as url:
        assert url.startswith(documented_urls()["PostgreSQL"].split("://")[0] + "://")
        env.update(env_file, IBANBOT_DATABASE_URL=url, PYWIKIBOT_DIR=str(pwbdir))
        for argv in unit_commands(venv, etc):
            sh(argv, state, env)
        env["IBANBOT_DATABASE_URL"] = url.replace("postgresql+psycopg://", "postgresql://")
        sh([str(ibanbot), "--config", str(settings), "db", "upgrade"], state, env)
        items = queued(ibanbot, settings, state, env)
    assert [(i["actor"], i["target"]) for i in items] == [(alice, bob)], items
    written = {p.name for p in pwbdir.iterdir()}
    assert f"pywikibot-{account}.lwp" in written, written  # the login cookies: a writable dir
    assert (pwbdir / "user-password.py").stat().st_mode & 0o777 == 0o600


# -- Toolforge: a fresh tool home, MariaDB, the jobs file ---------------------------------------
def test_toolforge_install_from_a_clone_runs_the_jobs(local_wiki, tmp_path):
    home = tmp_path / "tool"
    copy_checkout(home / "ibanbot")  # step 2: git clone ... ~/ibanbot
    env = clean_env(home, PYTHON=sys.executable)
    done = sh("./ibanbot/deploy/toolforge/install.sh", home, env)  # step 3, the install job
    assert done.stdout.strip() == f"ibanbot {__version__}"
    settings = operator_settings(REPO / "deploy" / "toolforge" / "settings.toml.example",
                                 home / "settings.toml", local_wiki)  # step 5
    (home / "replica.my.cnf").write_text("[client]\nuser = s55555\npassword = 'x'\n")
    alice, bob = breach_after_ban(local_wiki, home)
    jobs = yaml.safe_load((REPO / "deploy" / "toolforge" / "jobs.yaml").read_text())
    (job,) = [j for j in jobs if j.get("continuous")]
    with documented_database("mariadb", documented_urls()["MariaDB"]) as url:
        env["IBANBOT_DATABASE_URL"] = url  # step 6: toolforge envvars (ToolsDB is not here)
        ibanbot = home / "pyvenv" / "bin" / "ibanbot"
        sh([str(ibanbot), "--config", "settings.toml", "db", "upgrade"], home, env)  # step 7
        sh(f"{job['command']} --once", home, env)  # step 8
        sh(job["health-check-script"], home, env)
        items = queued(ibanbot, settings, home, env)
    assert [(i["actor"], i["target"]) for i in items] == [(alice, bob)], items
