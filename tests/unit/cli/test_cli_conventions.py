"""Issue 14 point 4: command-line conventions, through main(argv) and a real process.

`--version`; a bare `ibanbot` (or command group) prints usage and exits 2; every `--help`
shows the allowed values and defaults; global options go before or after the command; one
error style (`Error: ...` on stderr; exit 2 usage/configuration, 1 runtime); warnings on
stderr; no line twice. Issue 15: one convention, one module per command group (GROUPS), each
with add_parsers, COMMANDS and dispatch, which only bot.cli.entry imports; `--help` imports
neither the app nor the wiki, the pipeline or the web UI.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.cli import entry
from bot.cli.entry import GLOBAL_OPTIONS, GROUPS, build_parser, main
from tests.harness import Outcome

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def config(tmp_path):
    (tmp_path / "settings.toml").write_text(
        '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n'
        "max_retries = 0\nretry_wait = 1\n", encoding="utf-8")
    (tmp_path / "bans.toml").write_text(
        '[[ban]]\nid = "IB-1"\nbanned = ["Alice"]\nprotected = ["Bob"]\n'
        "start = 2026-11-01T00:00:00Z\n", encoding="utf-8")
    return tmp_path / "settings.toml"


def call(capsys, *argv: str) -> Outcome:
    code = main(list(argv))
    cap = capsys.readouterr()
    return Outcome(code, cap.out, cap.err)


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, parser) for the top parser and every subcommand, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


ALL = list(parsers(build_parser()))


def test_version_is_the_package_version(capsys):
    out = call(capsys, "--version")
    assert out.code == 0 and out.out == f"ibanbot {version('ibanbot')}\n" and out.err == ""


@pytest.mark.parametrize("argv", [[], ["queue"], ["bans"], ["reviewers"], ["--debug"]])
def test_a_bare_command_prints_usage_and_exits_2(capsys, argv):
    out = call(capsys, *argv)
    assert out.code == 2 and out.out == ""
    assert out.err.startswith("usage: ibanbot") and "Error:" in out.err
    if not argv or argv == ["--debug"]:
        assert "run" in out.err and "queue" in out.err and "--version" in out.err


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "ibanbot")
def test_every_help_lists_choices_and_defaults(capsys, path):
    parser = dict(ALL)[path]
    out = call(capsys, *path, "--help")
    assert out.code == 0 and out.err == ""
    text = " ".join(out.out.split())
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction,
                               argparse._SubParsersAction)):
            continue
        name = action.option_strings[-1] if action.option_strings else action.dest
        assert action.help, f"{' '.join(path)} {name}: no help text"
        if action.choices and not isinstance(action.choices, dict):
            assert "{" + ",".join(map(str, action.choices)) + "}" in text, name
        default = action.default
        if default not in (None, False, argparse.SUPPRESS, "") and action.option_strings:
            assert f"(default: {default})" in text, \
                f"{' '.join(path)} {name}: default {default!r} not shown"


@pytest.mark.parametrize("option", ["--debug", "--log-format=json", "--log-level=WARNING"])
def test_global_options_after_the_command(config, capsys, option):
    before = call(capsys, "--config", str(config), option, "bans", "list")
    after = call(capsys, "bans", "list", "--config", str(config), option)
    assert before.code == after.code == 0
    assert after.out == before.out and after.out.startswith("IB-1: Alice")


def test_every_subcommand_accepts_every_global_option():
    for path, parser in ALL[1:]:
        flags = {s for a in parser._actions for s in a.option_strings}
        assert set(GLOBAL_OPTIONS) <= flags, " ".join(path)


@pytest.mark.parametrize("argv,code,fragment", [
    (["queue", "list", "--format", "yaml"], 2, "invalid choice: 'yaml'"),
    (["queue", "list", "--kind", "nonsense"], 2, "filter kind must be one of userspace"),
    (["frobnicate"], 2, "invalid choice"),
    (["queue", "list", "--limit", "0"], 2, "filter limit must be from 1 to 10000, not 0"),
    (["--log-format", "yaml", "bans", "list"], 2, "invalid choice: 'yaml'"),
])
def test_usage_errors_are_one_error_line(config, capsys, argv, code, fragment):
    out = call(capsys, "--config", str(config), *argv)
    assert out.code == code and out.out == ""
    assert out.err.startswith("Error: ") and out.err.count("\n") == 1 and fragment in out.err


def test_configuration_error_exit_2_runtime_error_exit_1(config, capsys, tmp_path):
    missing = call(capsys, "--config", str(tmp_path / "nope.toml"), "bans", "list")
    assert missing.code == 2 and missing.err.startswith("Error: ") and "nope.toml" in missing.err
    runtime = call(capsys, "--config", str(config), "run", "--once")
    *summary, error = runtime.err.splitlines()  # the pass's INFO summary, then the error
    assert runtime.code == 1 and error.startswith("Error: wiki devwiki: ") and len(summary) <= 1
    assert "Traceback" not in runtime.err


def test_real_process_stderr_one_error_line_no_line_twice(config):
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), "run",
                           "--once", "--log-format", "text"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert [line for line in lines if line.startswith("Error: ")] == [lines[-1]], done.stderr
    bodies = [line.split(": ", 1)[-1] for line in lines]
    assert len(set(bodies)) == len(bodies), done.stderr  # no message twice
    bare = subprocess.run([sys.executable, "-m", "bot.cli"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert bare.returncode == 2 and bare.stdout == "" and bare.stderr.startswith("usage:")


CLI = REPO / "bot" / "cli"
HELPERS = {"__init__", "__main__", "entry", "argtypes", "output"}  # the rest: command groups


def test_every_cli_module_is_a_shared_helper_or_a_command_group():
    modules = {path.stem for path in CLI.glob("*.py")}
    groups = {group.__name__.rpartition(".")[2] for group in GROUPS}
    assert modules - HELPERS == groups and len(groups) == len(GROUPS)
    for name in groups:
        group = importlib.import_module(f"bot.cli.{name}")
        assert callable(group.add_parsers) and callable(group.dispatch), name
        assert isinstance(group.COMMANDS, dict) and group.COMMANDS, name
        assert (group.__doc__ or "").strip(), name


def test_every_top_level_command_is_owned_by_exactly_one_group():
    top = argparse.ArgumentParser()
    sub = top.add_subparsers(dest="command")
    owners: dict[str, str] = {}
    for group in GROUPS:
        before = set(sub.choices)
        group.add_parsers(sub, argparse.ArgumentParser)
        added = set(sub.choices) - before
        assert added == set(group.COMMANDS), group.__name__  # it parses what it dispatches
        for command in added:
            assert command not in owners, command
            owners[command] = group.__name__
    everything = next(a for a in build_parser()._actions
                      if isinstance(a, argparse._SubParsersAction)).choices
    assert list(sub.choices) == list(everything)  # the same commands, in --help order
    assert sorted(c for g in GROUPS for c in g.COMMANDS) == sorted(everything)


def test_dispatch_goes_to_the_group_that_owns_the_command(monkeypatch):
    seen = []
    for group in GROUPS:
        monkeypatch.setattr(group, "dispatch", lambda args, g=group: seen.append(g) or 0)
    for group in GROUPS:
        for command in group.COMMANDS:
            seen.clear()
            assert entry.dispatch(argparse.Namespace(command=command)) == 0
            assert seen == [group], command


def _imported(path: Path) -> set[str]:
    """The bot.cli modules that a module imports (`import bot.cli.x`, `from bot.cli import x`,
    `from bot.cli.x import y`), at its top or in a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bot.cli."))
        elif isinstance(node, ast.ImportFrom) and node.module == "bot.cli":
            found.update(f"bot.cli.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.cli."):
            found.add(node.module or "")
    return found


def test_only_entry_imports_the_command_groups():
    groups = {group.__name__ for group in GROUPS}
    for path in CLI.glob("*.py"):
        if path.stem != "entry":
            assert _imported(path) & groups == set(), path.name
    assert _imported(CLI / "entry.py") >= groups


HEAVY = ["bot.app", "bot.run", "bot.pipeline", "bot.wiki", "bot.web", "pywikibot", "requests",
         "flask", "werkzeug", "apscheduler"]


def test_help_imports_neither_the_app_nor_the_adapters():
    """`ibanbot --help` builds the parser from every group without importing what the commands
    need to run (imported in the functions or under TYPE_CHECKING), so that it stays fast."""
    code = ("import sys; from bot.cli.entry import build_parser; build_parser().format_help(); "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "[]\n", done.stdout + done.stderr
