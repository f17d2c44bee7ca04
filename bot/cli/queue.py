"""`ibanbot queue list|show|decide` and the cases (`queue cases|case|decide-case`,
bot.review.cases): the review queue on the command line.

Staff warnings are said above `queue list` (on stderr); `queue show` adds the item's reports
(reporter and full text). bot.app is imported when a command runs: `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.argtypes import positive_int
from bot.cli.output import print_json
from bot.errors import DecisionConflict
from bot.logformat import say
from bot.review import cases
from bot.review import item as itemview
from bot.review import queue as review
from bot.review import warnings as staffwarnings
from bot.storage import query as search

if TYPE_CHECKING:
    from bot.app import App


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    queue = sub.add_parser("queue", help="the review queue").add_subparsers(
        dest="queue_command", required=True, parser_class=parser_class)
    lst = queue.add_parser("list", help="list queue items (filters, sort, pages of --limit)")
    _search_options(lst)
    lst.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    show = queue.add_parser("show", help="one item with its findings and evidence")
    show.add_argument("id", type=positive_int, help="the queue item's id")
    show.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    _decision_options(queue.add_parser("decide", help="record a reviewer's decision on an item"),
                      "the queue item's id", "why (kept with the decision)",
                      "change an item already confirmed or dismissed")
    _case_parsers(queue)


def _decision_options(p: argparse.ArgumentParser, what: str, note: str, force: str) -> None:
    """`queue decide` and `queue decide-case`: the same options, said of an item or a case."""
    p.add_argument("id", type=positive_int, help=what)
    p.add_argument("--decision", required=True, choices=review.DECISIONS, help="the decision")
    p.add_argument("--reviewer", required=True, metavar="NAME",
                   help="who decides (kept in the audit log)")
    p.add_argument("--note", default="", help=note)
    p.add_argument("--force", action="store_true", help=force)


def _case_parsers(queue: argparse._SubParsersAction) -> None:
    many = queue.add_parser("cases", help="list cases (a ban's items with one actor and one "
                                          "target within review.case_window_hours)")
    many.add_argument("--status", choices=review.STATUSES,
                      help="only cases with an item in this state")
    many.add_argument("--ban", metavar="ID", help="only cases of this ban")
    many.add_argument("--wiki", help="only cases on this wiki (its [[wikis]] name)")
    many.add_argument("--limit", type=positive_int, metavar="N", help="at most N cases")
    many.add_argument("--format", choices=["table", "json"], default="table",
                      help="output format")
    case = queue.add_parser("case", help="one case: its items in order with their findings")
    case.add_argument("id", type=positive_int, help="the case's id (its first item's id)")
    case.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    _decision_options(queue.add_parser("decide-case", help="one decision on every item of a case"),
                      "the case's id (its first item's id)",
                      "why (kept with each item's decision)",
                      "also change items already confirmed or dismissed")


SEARCH_HELP = {  # `queue list` filters: checked by bot.storage.query.parse, as on the web queue
# page
    "status": ("S", f"only items in this state: {', '.join(search.STATUSES)} or any"),
    "wiki": ("W", "only items on this wiki (its [[wikis]] name)"),
    "ban": ("ID", "only items of this ban"),
    "kind": ("K", f"only items with a finding of this kind: {', '.join(search.KINDS)}"),
    "source": ("S", "only items the detectors found (detector) or reported ones (report)"),
    "actor": ("NAME", "only items by this account (a name it had then or has now)"),
    "target": ("NAME", ("only items about this protected user (a name in the bans file or "
                        "the current one)")),
    "title": ("PAGE", "only items on this page (ending in *: pages starting so)"),
    "revid": ("N", "only items of this revision"),
    "logid": ("N", "only items of this log entry"),
    "report": ("REF", "only items a report (its reference) named"),
    "since": ("DATE", "events from this date (YYYY-MM-DD) or time (ISO, UTC)"),
    "until": ("DATE", "events up to this date (included) or time"),
    "min_confidence": ("X", "only items whose highest finding has at least this confidence"),
    "threshold": ("T", ("shown: hide findings below [review.queue_min_confidence] (default); "
                        "below: only those; all")),
    "sort": ("ORDER", f"{', '.join(search.SORTS)} (default: newest)"),
    "limit": ("N", f"items per page, at most {search.MAX_LIMIT} (default: 50)"),
    "page": ("N", "which page of --limit items (default: 1)"),
}


def _search_options(p: argparse.ArgumentParser) -> None:
    for name, (metavar, text) in SEARCH_HELP.items():
        p.add_argument("--" + name.replace("_", "-"), dest=name, metavar=metavar, help=text)


def cmd_queue(args: argparse.Namespace) -> int:
    from bot.app import App

    app = App.load(args.config, need_bans=False)  # reviewers' tools work with a bad bans file
    if args.queue_command == "list":  # a bad filter is said before the database is opened
        search.parse({name: getattr(args, name) for name in search.FILTERS}, search.UNCHECKED)
    app.store.check_schema()
    if args.queue_command == "list":
        print_warnings_above_queue(app)  # stderr: the JSON stays an array
        return _list(app, args)
    if args.queue_command == "show":
        return _show(app, args)
    if args.queue_command in ("cases", "case", "decide-case"):
        return cmd_case(app, args)
    return _decide(app, args)


def _decide(app: App, args: argparse.Namespace) -> int:
    from bot.app import utcnow

    reviewer = review.reviewer_name(args.reviewer, app.store.reviewers.all())
    try:
        item = review.decide(app.store, args.id, args.decision, reviewer, args.note, utcnow(),
                             force=args.force)
    except DecisionConflict as exc:
        raise DecisionConflict(exc.item_id, exc.status, exc.reviewer, exc.at,
                               hint="add --force to change it") from None
    print(f"queue item {item.id}: {item.status} by {reviewer}")
    return 0


def _list(app: App, args: argparse.Namespace) -> int:
    raw = {name: getattr(args, name) for name in search.FILTERS}
    found = review.search_queue(app.store, raw, app.settings.wiki_names, app.bans,
                                app.settings.review.queue_min_confidence.by_kind())
    if args.format == "json":
        print_json([i.to_json() for i in found.items])
    else:
        print(review.render_table(list(found.items)))
    if found.more:  # stderr: the JSON stays an array
        say("info", f"(more items: add --page {found.search.page + 1})")
    if found.below:
        say("info", f"({found.below} more below [review.queue_min_confidence]: "
                    "add --threshold below)")
    return 0


def _show(app: App, args: argparse.Namespace) -> int:
    view = itemview.item_view(app, args.id)  # the web item page shows the same view
    if args.format == "json":
        print_json(view.to_json())
    else:
        print(itemview.render_text(view))
    return 0


def print_warnings_above_queue(app: App) -> None:
    """Unacknowledged staff warnings on stderr, so `queue list --format json` stays an array."""
    found = staffwarnings.listing(app.store)
    for w in found:
        say("warning", f"staff warning {w.id}: {w.message}")
    if found:
        say("info", f"({len(found)} staff warning(s); `ibanbot warnings ack ID "
                    "--reviewer NAME` when read)")


def cmd_case(app: App, args: argparse.Namespace) -> int:
    window = cases.window_of(app.settings.review.case_window_hours)
    if args.queue_command == "cases":  # the queue's checks: an unknown wiki or ban, exit 2
        review.parse_search(app.store, {"wiki": args.wiki, "ban": args.ban},
                            app.settings.wiki_names, app.bans)
        found = cases.list_cases(app.store, window, status=args.status, ban_id=args.ban,
                                 wiki=args.wiki)[:args.limit]
        if args.format == "json":
            print_json([c.to_json() for c in found])
        else:
            print(cases.render_cases(found))
        return 0
    if args.queue_command == "case":
        case, items = cases.get_case(app.store, window, args.id)
        if args.format == "json":
            print_json({**case.to_json(), "items": [i.to_json() for i in items]})
        else:
            print(cases.render_case(case, items))
        return 0
    return _decide_case(app, args, window)


def _decide_case(app: App, args: argparse.Namespace, window) -> int:
    from bot.app import utcnow

    reviewer = review.reviewer_name(args.reviewer, app.store.reviewers.all())
    try:
        case, done = cases.decide_case(app.store, window, args.id, args.decision, reviewer,
                                       args.note, utcnow(), force=args.force)
    except DecisionConflict as exc:
        raise DecisionConflict(exc.item_id, exc.status, exc.reviewer, exc.at,
                               hint=f"nothing of case {args.id} was recorded; add --force "
                                    "to change it") from None
    left = len(case.item_ids) - len(done)
    print(f"case {case.id}: {args.decision} by {reviewer} on {len(done)} item(s)"
          + (f" ({left} already {args.decision})" if left else ""))
    return 0


COMMANDS = {"queue": cmd_queue}  # the top-level commands this group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
