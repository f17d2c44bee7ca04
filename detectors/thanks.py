"""`thanks`: the Thanks extension's "thank" sent to a protected user.

Thanks never appear in recent changes; the wiki adapter reads them from `list=logevents`
(type `thanks`, action `thank`, title `User:<recipient>`) and puts the recipient in
`event.target`.
"""
from __future__ import annotations

from collections.abc import Sequence

from detectors.base import Context, Need
from detectors.model import Event, EventType, Finding, Kind


class ThanksDetector:
    name = "thanks"
    kinds = frozenset({Kind.THANKS})
    needs: frozenset[Need] = frozenset()

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        if event.type is not EventType.LOG or event.log_type != "thanks":
            return []
        person = context.restriction.protected_user(event.target)
        if person is None:
            return []
        shown = event.target.name if event.target else person.name
        evidence = f"sent thanks to {shown}"
        if shown != person.name:
            evidence += f" (now {person.name})"
        return [Finding(Kind.THANKS, 1.0, evidence, person.name)]


DETECTOR = ThanksDetector()
