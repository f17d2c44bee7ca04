"""Argument types shared by the command groups' parsers (light: no app)."""
from __future__ import annotations

import argparse

MAX_NUMBER = 2**63 - 1  # ids and limits beyond this fit no database column


def positive_int(text: str) -> int:
    """An argparse type: a whole number from 1 (a bad one is a one-line usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"must be at least 1 (and at most {MAX_NUMBER}), "
                                         f"not {text}")
    return value
