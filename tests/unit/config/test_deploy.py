"""Issue 9: deployment files, JSON logs, progress, ToolsDB URL, masking of confidential ids."""
from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config.settings import load_settings
from bot.config.toolforge import TOOLSDB_HOST
from bot.errors import ConfigError
from bot.logformat import JsonFormatter
from bot.pipeline.progress import Counts, Progress
from bot.pipeline.reload import mask_confidential

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
# what Toolforge's jobs framework reads from a jobs file (toolforge jobs load)
JOB_KEYS = {"name", "command", "image", "continuous", "schedule", "emails", "mem", "cpu",
            "retry", "filelog", "no-filelog", "filelog-stdout", "filelog-stderr", "mount",
            "health-check-script", "health-check-http", "port", "replicas", "wait"}


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: scripts/setup installs the systemd package"
    ibanbot = Path(sys.executable).with_name("ibanbot")
    assert ibanbot.is_file(), "the ibanbot console script (pip install -e .)"
    unit = (DEPLOY / "ibanbot.service").read_text(encoding="utf-8")
    assert "/opt/ibanbot/bin/ibanbot" in unit
    (tmp_path / "ibanbot.service").write_text(  # verify checks that ExecStart exists
        unit.replace("/opt/ibanbot/bin/ibanbot", str(ibanbot)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(tmp_path / "ibanbot.service")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # warnings (unknown keys, bad values) too
    keys = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
    assert keys["User"] == "ibanbot" and keys["Restart"] == "on-failure"
    assert keys["KillSignal"] == "SIGTERM" and keys["RestartPreventExitStatus"] == "2"
    assert keys["ExecStart"].endswith(" run") and "EnvironmentFile" in keys
    env = (DEPLOY / "ibanbot.env.example").read_text(encoding="utf-8")
    assert "IBANBOT_DATABASE_URL=" in env and "PYWIKIBOT_DIR=" in env


def test_toolforge_jobs_yaml_has_what_the_jobs_framework_reads():
    jobs = yaml.safe_load((DEPLOY / "toolforge" / "jobs.yaml").read_text(encoding="utf-8"))
    assert isinstance(jobs, list) and jobs
    for job in jobs:
        assert set(job) <= JOB_KEYS, set(job) - JOB_KEYS
        assert {"name", "command", "image"} <= set(job)
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?", job["name"])
        assert all(isinstance(job[k], str) for k in ("command", "image"))
    (run,) = [j for j in jobs if j.get("continuous")]
    assert run["continuous"] is True and "schedule" not in run
    assert run["command"].split()[-1] == "run" and "--log-format json" in run["command"]
    assert re.fullmatch(r"python3\.\d+", run["image"])
    assert run["health-check-script"].split()[-1] == "status"
    assert run["emails"] in ("none", "all", "onfinish", "onfailure")


def test_toolsdb_url_from_the_tools_credentials_file(tmp_path):
    (tmp_path / "replica.my.cnf").write_text("[client]\nuser = s55555\n"
                                             "password = 'se:cr/et@x'\n", encoding="utf-8")
    settings = tmp_path / "settings.toml"
    wiki = '[[wikis]]\nname = "w"\napi = "https://w.example.org/w/api.php"\n'
    settings.write_text('[database]\ntoolsdb = "ibanbot"\n'
                        'toolsdb_credentials = "replica.my.cnf"\n' + wiki, encoding="utf-8")
    loaded = load_settings(settings, environ={})
    assert loaded.database.url == (f"mysql+pymysql://s55555:se%3Acr%2Fet%40x@{TOOLSDB_HOST}"
                                   "/s55555__ibanbot?charset=utf8mb4")
    assert "se:cr" not in repr(loaded) and "***" in loaded.database.redacted_url
    env = load_settings(settings, environ={"IBANBOT_DATABASE_URL": "sqlite:///x.sqlite3"})
    assert env.database.url.startswith("sqlite:///")  # the environment wins
    (tmp_path / "replica.my.cnf").unlink()
    with pytest.raises(ConfigError, match=r"replica.my.cnf: cannot read the ToolsDB "):
        load_settings(settings, environ={})
    settings.write_text('[database]\ntoolsdb = "ibanbot"\nurl = "sqlite:///a.db"\n' + wiki,
                        encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'database.toolsdb': set either"):
        load_settings(settings, environ={})


def test_json_log_lines_and_progress():
    record = logging.LogRecord("bot.x", logging.WARNING, __file__, 1, "wiki %s: %d events",
                               ("devwiki", 3), None)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line and entry["message"] == "wiki devwiki: 3 events"
    assert entry["level"] == "WARNING" and entry["time"].endswith("Z")
    tty = io.StringIO()
    bar = Progress("bans check: devwiki", stream=tty, tty=True)
    bar.update(25, 100)
    bar.finish("100 name(s) resolved")
    assert "[######..................] 25/100" in tty.getvalue()
    assert tty.getvalue().endswith("bans check: devwiki: 100 name(s) resolved\n")
    ticks = iter([0.0, 1.0, 20.0])
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    logging.getLogger("bot.pipeline.progress").addHandler(handler)
    logging.getLogger("bot.pipeline.progress").setLevel(logging.INFO)
    try:
        plain = Progress("backfill a confidential ban on w", stream=io.StringIO(), tty=False,
                         clock=lambda: next(ticks))
        for n in (1, 2, 3):
            plain.update(n, None, Counts(n, 1, 0).text().partition(' ')[2])
        plain.finish()
    finally:
        logging.getLogger("bot.pipeline.progress").removeHandler(handler)
    lines = logs.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].endswith("(done)")  # 0 s, 20 s (not 1 s), the end


def test_confidential_ban_ids_are_masked_in_reload_errors():
    msg = "bans.toml: ban IB-7: key 'expires': ends before its start"
    assert mask_confidential(msg, {"IB-7"}) == ("bans.toml: a confidential ban: key 'expires': "
                                                "ends before its start")
    assert mask_confidential(msg.replace("IB-7", "IB-70"), {"IB-7"}).count("IB-70") == 1


def test_user_config_example_reads_oauth_tokens_from_the_environment(tmp_path):
    shutil.copy(REPO / "user-config.py.example", tmp_path / "user-config.py")
    env = {"PYWIKIBOT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           **{f"IBANBOT_OAUTH_{k}": k.lower() for k in (
               "CONSUMER_TOKEN", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_SECRET")}}
    code = ("import json, pywikibot.config as c; "
            "print(json.dumps([c.authenticate, c.usernames['*']['*'], c.password_file]))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    auth, user, password_file = json.loads(done.stdout.splitlines()[-1])
    assert auth == {"*": ["consumer_token", "consumer_secret", "access_token", "access_secret"]}
    assert user == "IbanBot" and password_file.endswith("user-password.py")
    assert "unknown" not in done.stderr.lower()


def _unit_paths(unit: str, key: str) -> list[str]:
    return [p.lstrip("-+") for v in re.findall(rf"^{key}=(.*)$", unit, re.M) for p in v.split()]


def test_pywikibot_dir_is_writable_under_the_unit_and_the_password_file_mode_is_600():
    """pywikibot writes its cookies, apicache/ and throttle.ctrl into PYWIKIBOT_DIR (issue 18,
    finding 14): the unit must let the bot write there, and the docs must ask for the mode the
    bot and pywikibot demand of user-password.py (600, owned by the bot's user)."""
    unit = (DEPLOY / "ibanbot.service").read_text(encoding="utf-8")
    env = (DEPLOY / "ibanbot.env.example").read_text(encoding="utf-8")
    (folder,) = re.findall(r"^PYWIKIBOT_DIR=(\S+)$", env, re.M)
    writable = _unit_paths(unit, "ReadWritePaths") + [
        f"/var/lib/{d}" for d in _unit_paths(unit, "StateDirectory")]
    read_only = _unit_paths(unit, "ReadOnlyPaths") + _unit_paths(unit, "InaccessiblePaths")
    inside = lambda path, roots: any(Path(path).is_relative_to(r) for r in roots)  # noqa: E731
    assert "ProtectSystem=strict" in unit  # so only the paths above are writable
    assert inside(folder, writable), f"PYWIKIBOT_DIR={folder} is read-only under the unit"
    assert not inside(folder, read_only), f"PYWIKIBOT_DIR={folder} is under ReadOnlyPaths"
    for text in (env, unit, (REPO / "README.md").read_text(encoding="utf-8")):
        modes = re.findall(r"user-password\.py[^\n]{0,40}?mode (\d+)", text)
        assert set(modes) <= {"600"}, modes
    assert re.search(r"user-password\.py[^\n]*mode 600", env)
