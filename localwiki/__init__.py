"""A real local MediaWiki for development, demos, tests and benchmarks (not part of the bot)."""
from .errors import LocalWikiError, WikiApiError
from .wiki import ADMIN, ADMIN_PASSWORD, LocalWiki

__all__ = ["ADMIN", "ADMIN_PASSWORD", "LocalWiki", "LocalWikiError", "WikiApiError"]
