"""The only package that talks to a wiki (and the only one that imports pywikibot)."""
from bot.wiki.cursor import Position
from bot.wiki.gateway import Page, WikiConfig, WikiGateway

__all__ = ["Page", "Position", "WikiConfig", "WikiGateway"]
