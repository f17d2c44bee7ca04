"""The command line: the entry point and its parser (bot.cli.entry), one module per
command group, and their output. The `ibanbot` console script (`bot.cli:main`) and
`python -m bot.cli` (bot/cli/__main__.py) run `main`.
"""
from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """`ibanbot`: bot.cli.entry.main, imported when called (so `--help` stays fast)."""
    from bot.cli.entry import main as entry

    return entry(argv)
