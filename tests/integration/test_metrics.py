"""Issue 14 point 6: the Prometheus endpoint of a real `ibanbot run`, scraped over HTTP.

Labels are only wiki, stream and kind: nothing names a user, a page or a ban (a confidential
ban's breach is queued while the endpoint is scraped)."""
from __future__ import annotations

import json
import sys

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.config.settings import load_settings
from bot.errors import ConfigError
from localwiki.process import free_port
from tests.botprocess import BotProcess, wait_for, write_settings
from tests.faultproxy import FaultProxy
from tests.harness import Bot, ban, people, unique

LABELS = {"wiki", "stream", "kind"}


def scrape(port: int, proc: BotProcess | None = None) -> str:
    if proc is not None and not proc.alive():
        pytest.fail(f"ibanbot run exited {proc.proc.returncode}:\n{proc.output[-3000:]}")
    try:
        answer = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except requests.ConnectionError:
        return ""
    return answer.text if answer.status_code == 200 else ""


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


@pytest.mark.wiki
def test_metrics_of_a_real_run_name_no_user_and_no_ban(tmp_path, local_wiki):
    bot = Bot(tmp_path / "bot", local_wiki)
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    ban_id, page = unique("IB-SECRET-"), f"User talk:{bob}"
    bot.add_ban(**ban(alice, bob, id=ban_id, confidential=True))
    port, proxy = free_port(), FaultProxy(local_wiki.server_url).start()
    settings = write_settings(bot, proxy.api_url,
                              operations=f"[metrics]\nport = {port}\nhost = \"127.0.0.1\"\n")
    proc = BotProcess(settings, "--log-format", "json")
    try:
        wiki = local_wiki.name
        first = wait_for(lambda: value(samples(scrape(port, proc)), "ibanbot_polls_total",
                                       wiki=wiki, stream="recentchanges"), 90,
                         "a first poll in the metrics")
        assert first >= 1
        a.edit(page, "Hello, I should not write here", "hi")
        text = wait_for(lambda: (t := scrape(port, proc)) and (value(
            samples(t), "ibanbot_items_queued_total", wiki=wiki, kind="userspace") or 0) >= 1
            and t, 90, "the breach counted in the metrics")
        found = samples(text)
        assert value(found, "ibanbot_events_read_total", wiki=wiki, stream="recentchanges") >= 1
        assert value(found, "ibanbot_events_watched_total", wiki=wiki,
                     stream="recentchanges") >= 1
        assert value(found, "ibanbot_poll_failures_total", wiki=wiki, stream="log:thanks") == 0
        assert value(found, "ibanbot_poll_consecutive_failures", wiki=wiki,
                     stream="recentchanges") == 0
        assert value(found, "ibanbot_last_successful_poll_timestamp_seconds", wiki=wiki,
                     stream="recentchanges") > 1.7e9
        assert 0 <= value(found, "ibanbot_poll_lag_seconds", wiki=wiki,
                          stream="recentchanges") < 60
        assert value(found, "ibanbot_queue_open_items") == 1
        assert value(found, "ibanbot_backfill_events_read_total", wiki=wiki) is not None
        for family in text_string_to_metric_families(text):
            assert family.name.startswith("ibanbot_"), family.name
            for s in family.samples:
                assert set(s.labels) <= LABELS, s
        for secret in (alice, bob, ban_id, page, "IB-", "Alice", "Bob"):
            assert secret not in text, secret
        proxy.mode = "500"  # a failing wiki, as the "failing wiki" alert sees it
        failing = wait_for(lambda: (v := samples(scrape(port, proc))) and (value(
            v, "ibanbot_poll_consecutive_failures", wiki=wiki, stream="recentchanges") or 0)
            >= 2 and v, 90, "failures in the metrics")
        assert value(failing, "ibanbot_poll_failures_total", wiki=wiki,
                     stream="recentchanges") >= 2
        proxy.mode = "pass"
        wait_for(lambda: value(samples(scrape(port, proc)), "ibanbot_poll_consecutive_failures",
                               wiki=wiki, stream="recentchanges") == 0, 90, "the recovery")
        assert proc.terminate() == 0
        lines = [json.loads(line) for line in proc.output.splitlines()]  # `run`: all JSON
        assert any(e["message"].startswith("metrics on http://127.0.0.1:") for e in lines)
        for secret in (alice, bob, ban_id):  # not even at DEBUG (BotProcess's level)
            assert secret not in proc.output
    finally:
        proc.cleanup()
        proxy.stop()


def test_metrics_settings(tmp_path):
    wiki = '[[wikis]]\nname = "w"\napi = "https://w.example.org/w/api.php"\n'
    path = tmp_path / "settings.toml"
    path.write_text(wiki, encoding="utf-8")
    assert load_settings(path, {}).metrics.port == 0  # off by default
    assert load_settings(path, {}).metrics.host == "127.0.0.1"
    path.write_text("[metrics]\nport = 70000\n" + wiki, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key 'metrics.port': must be at most 65535"):
        load_settings(path, {})


def test_metrics_port_without_prometheus_client_is_a_config_error(monkeypatch):
    from bot.config.settings import MetricsSettings
    from bot.pipeline import metrics

    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'ibanbot\[metrics\]'") as info:
        metrics.serve(MetricsSettings(port=free_port()))
    assert info.value.exit_code == 2
    assert isinstance(metrics.serve(MetricsSettings()), metrics.NoMetrics)  # off: not needed
