"""Exceptions raised by localwiki."""
from __future__ import annotations


class LocalWikiError(RuntimeError):
    """The local wiki could not be installed, created, started or changed."""


class WikiApiError(RuntimeError):
    """The MediaWiki API answered with an error."""

    def __init__(self, code: str, info: str, action: str = "") -> None:
        super().__init__(f"{action or 'api'}: {code}: {info}")
        self.code = code
        self.info = info
        self.action = action
