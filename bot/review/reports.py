"""Reading the reports received (accepted or not): `ibanbot report list|show` and the web UI's
reports pages, with the same filters checked the same way."""
from __future__ import annotations

from bot.errors import UsageError
from bot.review.ports import App
from bot.storage import Report, Version
from bot.storage.reports import OUTCOMES


def list_reports(app: App, wiki: str | None = None, outcome: str | None = None,
                 limit: int | None = None, offset: int = 0) -> list[Report]:
    """Newest first; an unknown wiki or outcome is a usage error naming the valid ones."""
    if wiki and wiki not in app.settings.wiki_names:
        raise UsageError(f"--wiki must be one of {', '.join(app.settings.wiki_names)}, "
                         f"not {wiki!r}")
    if outcome and outcome not in OUTCOMES:
        raise UsageError(f"--outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    return app.store.reports.list(wiki=wiki or None, outcome=outcome or None,
                                              limit=limit, offset=offset)


def show_report(app: App, reference: str) -> tuple[Report, list[Version]]:
    """The report and every version of its text (NotFound for an unknown reference)."""
    store = app.store.reports
    return store.get(reference), store.versions(reference)
