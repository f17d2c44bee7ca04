"""Prometheus metrics of `ibanbot run` (optional: `pip install 'ibanbot[metrics]'`).

Served on `[metrics] host:port` (port 0 or unset: off) at /metrics. Labels are only `wiki`,
`stream` and `kind`: no metric, label or help text names a user, a page or a ban, so the
endpoint reveals nothing of a confidential ban. The numbers (README "Metrics"):

- ibanbot_polls_total, ibanbot_events_read_total, ibanbot_events_watched_total,
  ibanbot_poll_failures_total {wiki, stream}: counters;
- ibanbot_poll_consecutive_failures, ibanbot_last_successful_poll_timestamp_seconds,
  ibanbot_poll_lag_seconds (since the last successful poll) {wiki, stream}: gauges;
- ibanbot_items_queued_total {wiki, kind}: new queue items with a finding of that kind;
- ibanbot_queue_open_items: items waiting for a decision (new, needs-info);
- ibanbot_backfill_events_read_total, ibanbot_backfill_items_queued_total {wiki},
  ibanbot_backfills_running {wiki}: backfills of late bans, gaps and `backfill`.

Everything here is best effort: a metric never fails a poll.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.errors import ConfigError, IbanbotError

log = logging.getLogger(__name__)
OPEN_STATUSES = ("new", "needs-info")


class NoMetrics:
    """Metrics off: every call does nothing."""

    def start(self, wikis: Iterable[str], streams: Iterable[str], kinds: Iterable[str]) -> None:
        pass

    def polled(self, wiki: str, stream: str, events: int, watched: int) -> None:
        pass

    def failed(self, wiki: str, stream: str) -> None:
        pass

    def queued(self, wiki: str, kinds: Mapping[str, int]) -> None:
        pass

    def backfill(self, wiki: str, events: int = 0, queued: int = 0, running: int = 0) -> None:
        pass

    def close(self) -> None:
        pass


class Metrics(NoMetrics):
    """The metrics on a registry of their own (`open_items()`: the queue's open items)."""

    def __init__(self, open_items: Callable[[], int] | None = None) -> None:
        import prometheus_client as prom

        if hasattr(prom, "disable_created_metrics"):  # no `_created` twin of every counter
            prom.disable_created_metrics()
        self.registry = prom.CollectorRegistry(auto_describe=True)
        self._open_items, self._lock = open_items, threading.Lock()
        self._success: dict[tuple[str, str], float] = {}
        self._server: Any = None
        by_stream, r = ["wiki", "stream"], self.registry
        self.polls = prom.Counter("ibanbot_polls", "Successful polls", by_stream, registry=r)
        self.events = prom.Counter("ibanbot_events_read", "Events read (edits, log entries)",
                                   by_stream, registry=r)
        self.watched = prom.Counter("ibanbot_events_watched",
                                    "Events read whose actor is restricted by a ban",
                                    by_stream, registry=r)
        self.failures = prom.Counter("ibanbot_poll_failures", "Failed polls", by_stream,
                                     registry=r)
        self.failing = prom.Gauge("ibanbot_poll_consecutive_failures",
                                  "Failed polls since the last successful one", by_stream,
                                  registry=r)
        self.last = prom.Gauge("ibanbot_last_successful_poll_timestamp_seconds",
                               "Unix time of the last successful poll", by_stream, registry=r)
        self.items = prom.Counter("ibanbot_items_queued",
                                  "New queue items with a finding of this kind",
                                  ["wiki", "kind"], registry=r)
        self.bf_events = prom.Counter("ibanbot_backfill_events_read",
                                      "Events read by backfills", ["wiki"], registry=r)
        self.bf_items = prom.Counter("ibanbot_backfill_items_queued",
                                     "New queue items found by backfills", ["wiki"], registry=r)
        self.bf_running = prom.Gauge("ibanbot_backfills_running", "Backfills in progress",
                                     ["wiki"], registry=r)
        r.register(_Live(self))

    # -- what the bot reports --------------------------------------------------------------
    def start(self, wikis: Iterable[str], streams: Iterable[str], kinds: Iterable[str]) -> None:
        """Every series at 0 from the start (alerts on rates and absences then work)."""
        streams, kinds = list(streams), list(kinds)
        for wiki in wikis:
            for stream in streams:
                for metric in (self.polls, self.events, self.watched, self.failures):
                    metric.labels(wiki, stream)
                self.failing.labels(wiki, stream).set(0)
            for kind in kinds:
                self.items.labels(wiki, kind)
            self.bf_events.labels(wiki)
            self.bf_items.labels(wiki)
            self.bf_running.labels(wiki).set(0)

    def polled(self, wiki: str, stream: str, events: int, watched: int) -> None:
        now = time.time()
        self.polls.labels(wiki, stream).inc()
        self.events.labels(wiki, stream).inc(events)
        self.watched.labels(wiki, stream).inc(watched)
        self.failing.labels(wiki, stream).set(0)
        self.last.labels(wiki, stream).set(now)
        with self._lock:
            self._success[(wiki, stream)] = now

    def failed(self, wiki: str, stream: str) -> None:
        self.failures.labels(wiki, stream).inc()
        self.failing.labels(wiki, stream).inc()

    def queued(self, wiki: str, kinds: Mapping[str, int]) -> None:
        for kind, count in kinds.items():
            self.items.labels(wiki, kind).inc(count)

    def backfill(self, wiki: str, events: int = 0, queued: int = 0, running: int = 0) -> None:
        self.bf_events.labels(wiki).inc(events)
        self.bf_items.labels(wiki).inc(queued)
        if running:
            self.bf_running.labels(wiki).inc(running)

    # -- serving -----------------------------------------------------------------------------
    def serve(self, host: str, port: int) -> None:
        import prometheus_client as prom

        try:
            self._server, _thread = prom.start_http_server(port, addr=host,
                                                           registry=self.registry)
        except OSError as exc:  # in use (perhaps by a process still stopping): retry helps
            raise IbanbotError(f"metrics: cannot listen on {host}:{port}: "
                               f"{exc.strerror or exc}") from None
        log.info("metrics on http://%s:%d/metrics", host, port,
                 extra={"host": host, "port": port})

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def lags(self) -> dict[tuple[str, str], float]:
        now = time.time()
        with self._lock:
            return {key: max(0.0, now - at) for key, at in self._success.items()}

    def open_items(self) -> int | None:
        if self._open_items is None:
            return None
        try:
            return self._open_items()
        except IbanbotError as exc:  # the database may be down: the scrape goes on without
            log.debug("metrics: open queue items not counted: %s", exc)
            return None


class _Live:
    """Values computed at scrape time: lag since the last successful poll, open items."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list:
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        lag = GaugeMetricFamily("ibanbot_poll_lag_seconds",
                                "Seconds since the last successful poll", labels=["wiki", "stream"])
        for (wiki, stream), seconds in sorted(self.metrics.lags().items()):
            lag.add_metric([wiki, stream], seconds)
        yield lag
        count = self.metrics.open_items()
        if count is not None:
            yield GaugeMetricFamily("ibanbot_queue_open_items",
                                    "Queue items waiting for a decision (new, needs-info)",
                                    value=count)


def serve(settings: Any, open_items: Callable[[], int] | None = None) -> NoMetrics:
    """The metrics `[metrics]` asks for, served; NoMetrics when the port is 0 (off)."""
    if not settings.port:
        return NoMetrics()
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise ConfigError("metrics.port is set but prometheus_client is not installed: "
                          "pip install 'ibanbot[metrics]' (or set [metrics] port = 0)") from None
    metrics = Metrics(open_items)
    metrics.serve(settings.host, settings.port)
    return metrics


def open_items_of(count_by_status: Callable[[], Mapping[str, int]]) -> Callable[[], int]:
    return lambda: sum(count_by_status().get(s, 0) for s in OPEN_STATUSES)
