"""Every detector the bot runs, in the order their findings are listed."""
from __future__ import annotations

from detectors import changes, logactions, mentions, replies, reverts, thanks, userspace
from detectors.base import Detector

ALL: tuple[Detector, ...] = (
    userspace.DETECTOR,
    thanks.DETECTOR,
    replies.DETECTOR,
    mentions.DETECTOR,
    reverts.DETECTOR,
    changes.DETECTOR,
    logactions.DETECTOR,
)


def by_name(names: list[str] | None = None) -> tuple[Detector, ...]:
    if not names:
        return ALL
    return tuple(d for d in ALL if d.name in names)
