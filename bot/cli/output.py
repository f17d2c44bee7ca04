"""Output of the commands: JSON on stdout."""
from __future__ import annotations

import json
import sys


def print_json(value: object) -> None:
    """A command's JSON output on stdout (UTF-8 as is, indented), ending with a newline."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
