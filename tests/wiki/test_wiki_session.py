"""bot.wiki.session against the real local MediaWiki: one site per wiki name and URL.

pywikibot caches one site per family name in a process (`pywikibot.Site(url=..., fam=name)`
returns the site made earlier for that name, whatever its URL): a wiki name opened again with
another api.php must reach that api.php, not the wiki opened first.
"""
from __future__ import annotations

import pytest

from bot.errors import IbanbotError
from bot.wiki import WikiConfig, WikiGateway
from tests.faultproxy import FaultProxy
from tests.harness import unique

pytestmark = pytest.mark.wiki


def gateway(name: str, api: str) -> WikiGateway:
    return WikiGateway(WikiConfig(name, api, max_retries=1, retry_wait=1))


def test_the_same_name_at_another_url_reaches_that_url(local_wiki):
    name = unique("twin")
    first = gateway(name, local_wiki.api_url)
    assert first.users_by_name(["Admin"])["Admin"] is not None
    proxy = FaultProxy(local_wiki.server_url).start()  # the same wiki behind another URL
    try:
        second = gateway(name, proxy.api_url)
        assert second.users_by_name(["Admin"])["Admin"] is not None
        assert proxy.requests > 0 and second.site is not first.site
        assert first.users_by_name(["Admin"])["Admin"] is not None  # the first one still works
    finally:
        proxy.stop()


def test_the_same_name_at_a_dead_url_fails_instead_of_reading_the_first_wiki(local_wiki):
    name = unique("twin")
    gateway(name, local_wiki.api_url).site_info()
    dead = FaultProxy(local_wiki.server_url)  # never started: its port refuses connections
    with pytest.raises(IbanbotError, match=name):
        gateway(name, dead.api_url).site_info()


def test_the_same_name_and_url_share_one_site(local_wiki):
    name = unique("same")
    assert gateway(name, local_wiki.api_url).site is gateway(name, local_wiki.api_url).site
