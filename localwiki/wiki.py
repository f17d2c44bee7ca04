"""LocalWiki: a real MediaWiki 1.39 (Debian package) on SQLite, served by `php -S`."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import dump, process
from .errors import LocalWikiError
from .process import MW_DIR

ADMIN = "Admin"
ADMIN_PASSWORD = "Admin-password-1234"
APT_PACKAGES = ("mediawiki", "php-sqlite3", "php-cli")
SHARED_SETTINGS = Path(__file__).with_name("settings.php")
OAUTH_EXTENSION = Path(__file__).with_name("extensions") / "OAuthStandIn"
_GROUP_FLAGS = {"sysop": "--sysop", "bot": "--bot", "bureaucrat": "--bureaucrat",
                "interface-admin": "--interface-admin"}

SETTINGS_TEMPLATE = """<?php
// Written by localwiki (ibanbot); regenerated on every start. Do not edit.
if ( !defined( 'MEDIAWIKI' ) ) {{
	exit;
}}
require __DIR__ . '/LocalSettings.install.php';
$wgServer = "http://127.0.0.1:{port}";
$wgCanonicalServer = $wgServer;
$wgCacheDirectory = __DIR__ . '/cache';
$wgUploadDirectory = __DIR__ . '/images';
$wgLocaltimezone = {timezone!r};
require {shared!r};
"""


@dataclass(frozen=True)
class OAuthClient:
    """An OAuth 2 client registered on the wiki's OAuthStandIn extension."""

    key: str            # the client_id
    secret: str         # the client_secret
    id: int
    name: str
    callback: str
    prefix: bool
    grants: tuple[str, ...]


class LocalWiki:
    """One development wiki living in its own folder `root`, served on `port`."""

    def __init__(self, root: Path | str, port: int, name: str = "devwiki",
                 admin_password: str = ADMIN_PASSWORD, language: str = "en",
                 timezone: str = "UTC") -> None:
        """`language` is the content language (signatures, namespace names); `timezone` the
        wiki's local time zone ($wgLocaltimezone), in which signatures are dated."""
        if not name.isidentifier() or not name.isascii():
            raise LocalWikiError(f"wiki name must be an ASCII identifier: {name!r}")
        if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", language):
            raise LocalWikiError(f"not a MediaWiki language code: {language!r}")
        if not re.fullmatch(r"[A-Za-z0-9_+/-]{1,60}", timezone):
            raise LocalWikiError(f"not a time zone name: {timezone!r}")
        self.language = language
        self.timezone = timezone
        self.root = Path(root).absolute()
        self.port = port
        self.name = name
        self.admin_password = admin_password
        self._proc: subprocess.Popen[bytes] | None = None

    # -- paths and URLs -------------------------------------------------------------
    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.server_url}/api.php"

    @property
    def index_url(self) -> str:
        return f"{self.server_url}/index.php"

    @property
    def rest_url(self) -> str:
        """The REST API base: {rest_url}/oauth2/authorize, access_token, resource/profile."""
        return f"{self.server_url}/rest.php"

    @property
    def settings_file(self) -> Path:
        return self.root / "LocalSettings.php"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def pristine_dir(self) -> Path:
        return self.root / "pristine"

    @property
    def pid_file(self) -> Path:
        return self.root / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def db_file(self) -> Path:
        return self.data_dir / f"{self.name}.sqlite"

    def __repr__(self) -> str:
        return f"LocalWiki(root={str(self.root)!r}, port={self.port}, name={self.name!r})"

    # -- installation and creation --------------------------------------------------
    @staticmethod
    def install() -> None:
        """Install MediaWiki, php-cli and php-sqlite3 with apt when they are missing."""
        if _mediawiki_ready():
            return
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", *APT_PACKAGES]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise LocalWikiError(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")
        if not _mediawiki_ready():
            raise LocalWikiError("MediaWiki or php/pdo_sqlite still missing after apt-get install")

    def exists(self) -> bool:
        return (self.root / "LocalSettings.install.php").is_file() and self.pristine_dir.is_dir()

    def create(self) -> None:
        """Install a fresh wiki into `root` (once); later calls reuse it."""
        if self.exists():
            self.write_settings()
            return
        self.install()
        if self.root.exists():
            self._wipe()
        self.root.mkdir(parents=True)
        self._run_installer()
        self.write_settings()
        self.start()
        self.stop()
        self._snapshot()

    def _run_installer(self) -> None:
        installed = self.root / "LocalSettings.php"
        self._php([str(MW_DIR / "maintenance/install.php"), "--dbtype", "sqlite",
                   "--dbpath", str(self.data_dir), "--dbname", self.name,
                   "--server", self.server_url, "--scriptpath", "", "--confpath", str(self.root),
                   "--pass", self.admin_password, "--skins", "Vector", "--lang", self.language,
                   self.name, ADMIN])
        installed.rename(self.root / "LocalSettings.install.php")
        (self.root / "cache").mkdir(exist_ok=True)
        (self.root / "images").mkdir(exist_ok=True)

    def write_settings(self) -> None:
        text = SETTINGS_TEMPLATE.format(port=self.port, shared=str(SHARED_SETTINGS),
                                        timezone=self.timezone)
        if not self.settings_file.is_file() or self.settings_file.read_text() != text:
            self.settings_file.write_text(text)

    def _snapshot(self) -> None:
        tmp = self.root / "pristine.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(self.data_dir, tmp)
        shutil.rmtree(self.pristine_dir, ignore_errors=True)
        tmp.rename(self.pristine_dir)

    def _wipe(self) -> None:
        """Remove a half-created wiki; refuse to delete a folder that is not one."""
        ours = {"LocalSettings.php", "LocalSettings.install.php", "data", "cache", "images",
                "pristine", "pristine.tmp", "server.log", "server.pid", dump.CLOCK_FILE}
        strangers = [p.name for p in self.root.iterdir() if p.name not in ours]
        if strangers:
            raise LocalWikiError(f"{self.root} is not a localwiki folder (holds {strangers[:3]})")
        if self.is_running():
            self.stop()
        shutil.rmtree(self.root)

    def reset(self) -> None:
        """Back to the state right after create(); restarts the server if it was running."""
        if not self.exists():
            self.create()
            return
        running = self.is_running()
        if running:
            self.stop()
        l10n = f"{self.name}_l10n_cache.sqlite"
        for item in self.data_dir.iterdir():
            if item.name != l10n and item.is_file():
                item.unlink()
        for item in self.pristine_dir.iterdir():
            if item.is_file() and not (item.name == l10n and (self.data_dir / l10n).exists()):
                shutil.copy2(item, self.data_dir / item.name)
        dump.forget_clock(self.root)
        if running:
            self.start()

    # -- the server ------------------------------------------------------------------
    def _read_pidfile(self) -> tuple[int, int] | None:
        try:
            pid, port = self.pid_file.read_text().split()[:2]
            return int(pid), int(port)
        except (OSError, ValueError):
            return None

    def _read_pid(self) -> int | None:
        entry = self._read_pidfile()
        return entry[0] if entry else None

    def running_port(self) -> int | None:
        """The port the server of this root listens on, when it runs (maybe not `self.port`)."""
        entry = self._read_pidfile()
        return entry[1] if entry and self.is_running() else None

    def is_running(self) -> bool:
        """True when our `php -S` lives; a stale pid file is removed."""
        entry = self._read_pidfile()
        if entry is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        if process.pid_alive(*entry):
            return True
        self.pid_file.unlink(missing_ok=True)
        return False

    def start(self, timeout: float = 30.0) -> None:
        """Serve the wiki (created first if needed); a no-op when already running."""
        if self.is_running():
            return
        if not (self.root / "LocalSettings.install.php").is_file():
            self.create()
            if self.is_running():
                return
        self.write_settings()
        if process.port_in_use(self.port):
            raise LocalWikiError(f"port {self.port} is already in use")
        self._proc = process.spawn_server(self.port, self.settings_file, self.log_file)
        self.pid_file.write_text(f"{self._proc.pid} {self.port}\n")
        try:
            info = process.wait_for_api(self.api_url, self._proc, self.log_file, timeout)
        except LocalWikiError:
            self.stop()
            raise
        if info.get("wikiid") != self.name:
            self.stop()
            raise LocalWikiError(f"port {self.port} answered for wiki {info.get('wikiid')!r}")

    def stop(self) -> None:
        """Kill the server's whole process group and wait for it."""
        pid = self._read_pid()
        if pid is not None and process.pid_alive(pid):
            proc = self._proc if self._proc is not None and self._proc.pid == pid else None
            process.kill_group(pid, proc)
        self._proc = None
        self.pid_file.unlink(missing_ok=True)

    @property
    def pgid(self) -> int | None:
        """Process group of the running server (its pid), or None."""
        return self._read_pid() if self.is_running() else None

    # -- maintenance scripts ---------------------------------------------------------
    def _php(self, args: list[str], input_text: str | None = None) -> str:
        env = dict(os.environ, MW_CONFIG_FILE=str(self.settings_file), MW_INSTALL_PATH=str(MW_DIR))
        done = subprocess.run(["php", *args], cwd=str(MW_DIR), env=env, input=input_text,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise LocalWikiError(f"php {' '.join(args[:1])} failed ({done.returncode}): "
                                 f"{(done.stdout + done.stderr)[-3000:]}")
        return done.stdout

    def run_maintenance(self, script: str, *args: str, input_text: str | None = None) -> str:
        """Run a maintenance script: 'createAndPromote' or a path relative to the MediaWiki dir."""
        if "/" not in script:
            script = f"maintenance/{script.removesuffix('.php')}.php"
        if not self.exists() and not (self.root / "LocalSettings.install.php").is_file():
            raise LocalWikiError(f"{self.root} holds no wiki yet: call create() first")
        self.write_settings()
        return self._php([str(MW_DIR / script), *args], input_text)

    # -- users, renames, thanks --------------------------------------------------------
    def user_id(self, name: str) -> int | None:
        """The user id for `name` (read straight from the SQLite database)."""
        key = name.replace("_", " ").strip()
        key = key[:1].upper() + key[1:]
        with sqlite3.connect(f"file:{self.db_file}?mode=ro", uri=True, timeout=10) as conn:
            row = conn.execute("SELECT user_id FROM user WHERE user_name = ?", (key,)).fetchone()
        return int(row[0]) if row else None

    def create_user(self, name: str, password: str, groups: Iterable[str] = ()) -> int:
        """Create (or update, with --force) an account; returns its user id."""
        flags, custom = [], []
        for group in groups:
            if group in _GROUP_FLAGS:
                flags.append(_GROUP_FLAGS[group])
            else:
                custom.append(group)
        if custom:
            flags.append("--custom-groups=" + ",".join(custom))
        force = ["--force"] if self.user_id(name) is not None else []
        self.run_maintenance("createAndPromote", *force, *flags, name, password)
        user_id = self.user_id(name)
        if user_id is None:
            raise LocalWikiError(f"createAndPromote did not create {name!r}")
        return user_id

    def create_bot_password(self, user: str, appid: str = "ibanbot",
                            grants: Iterable[str] = ("basic", "highvolume"),
                            password: str | None = None) -> tuple[str, str]:
        """A BotPassword for `user`; returns (login name 'User@appid', password of 32 chars)."""
        password = password or secrets.token_hex(16)
        self.run_maintenance("createBotPassword", "--appid", appid, "--grants", ",".join(grants),
                             user, password)
        return f"{user}@{appid}", password

    def rename_user(self, old: str, new: str, performer: str = ADMIN, reason: str = "") -> int:
        """Rename with Renameuser's renameUser.php (real rename, real renameuser/renameuser log)."""
        args = ["--oldname", old, "--newname", new, "--performer", performer]
        if reason:
            args += ["--reason", reason]
        self.run_maintenance("extensions/Renameuser/maintenance/renameUser.php", *args)
        user_id = self.user_id(new)
        if user_id is None:
            raise LocalWikiError(f"rename of {old!r} to {new!r} left no user {new!r}")
        return user_id

    def create_oauth_client(self, owner: str, name: str, callback: str, *, prefix: bool = False,
                            grants: Iterable[str] = ("authonly",), description: str = "",
                            version: str = "1.0") -> OAuthClient:
        """Register an approved OAuth 2 client owned by `owner` (OAuthStandIn's
        createOAuthConsumer.php, the real extension's options). 'authonly' means the
        grant 'mwoauth-authonly'; `prefix`: any redirect_uri starting with `callback`."""
        grants = tuple(grants)
        args = ["--user", owner, "--name", name, "--description", description or name,
                "--version", version, "--callbackUrl", callback, "--oauthVersion", "2",
                "--approve", "--jsonOnSuccess"]
        if prefix:
            args.append("--callbackIsPrefix")
        for grant in grants:
            args += ["--grants", grant]
        script = "createOAuthConsumer.php"
        out = self.run_maintenance(str(OAUTH_EXTENSION / "maintenance" / script), *args)
        try:
            data = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise LocalWikiError(f"{script} printed no JSON: {out[-1000:]!r}") from exc
        if not data.get("created") or data.get("approved") != 1:
            raise LocalWikiError(f"{script} did not create an approved client: {data}")
        full = tuple("mwoauth-" + g if g in ("authonly", "authonlyprivate") else g for g in grants)
        return OAuthClient(str(data["key"]), str(data["secret"]), int(data["id"]),
                           str(data["name"]), callback, prefix, full)

    def thank(self, sender: str, recipient: str, timestamp: str | None = None) -> str:
        """A real thanks/thank log entry (via importDump.php); returns its timestamp."""
        sender_id = self.user_id(sender)
        if sender_id is None:
            raise LocalWikiError(f"no such user: {sender!r}")
        stamp = dump.next_timestamp(self.root, timestamp)
        xml = dump.thanks_logitem(sender, sender_id, recipient, stamp)
        with tempfile.NamedTemporaryFile("w", suffix=".xml", dir=self.root, delete=False) as fh:
            fh.write(xml)
        try:
            self.run_maintenance("importDump", fh.name)
        finally:
            os.unlink(fh.name)
        return stamp


def _mediawiki_ready() -> bool:
    if not (MW_DIR / "maintenance/install.php").is_file() or shutil.which("php") is None:
        return False
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    return "pdo_sqlite" in modules
