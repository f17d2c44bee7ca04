"""`ibanbot queue cases|case|decide-case`: cases (bot.review.cases) on the command line."""
from __future__ import annotations

import argparse

from bot.app import App, utcnow
from bot.cli.output import print_json
from bot.errors import DecisionConflict
from bot.review import cases
from bot.review import queue as review


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
