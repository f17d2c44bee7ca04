"""The confidence legend (/help/confidence) and the precision figures (/stats), added to
`views.bp`: the same tables as the README and `ibanbot stats` (bot.review.legend,
bot.review.stats)."""
from __future__ import annotations

from flask import render_template, request

from bot.review import legend, stats
from bot.storage import query as search
from bot.web.views import bp, ibanbot


@bp.get("/help/confidence")
def help_confidence() -> str:
    return render_template("help_confidence.html", legend=legend.LEGEND, bands=legend.BANDS)


@bp.get("/stats")
def stats_page() -> str:
    app = ibanbot()
    since_text = (request.args.get("since") or "").strip()
    wiki = (request.args.get("wiki") or "").strip() or None
    since = search.parse_time(since_text, "stats: since") if since_text else None
    wikis = sorted({*app.settings.wiki_names, *app.store.queue_values()[0]})
    figures = stats.precision(app.store, wikis, since, wiki)
    return render_template("stats.html", stats=figures, wikis=wikis, since=since_text,
                           wiki=wiki, all_wikis=stats.ALL)
