"""Staff warnings, the use cases of `ibanbot warnings` and of the web UI's warnings page.

A warning is what the bot could not do and a person must: an event it could not analyse
(check it by hand), a gap it could not read, a report page it could not parse. Each names its
evidence (the event, the page, the period). Acknowledging one records who and when (and an
audit row); a second acknowledgment changes nothing. Staff only: never logged at INFO, never
put on-wiki.
"""
from __future__ import annotations

from datetime import datetime

from bot.errors import UsageError
from bot.storage import Ledger, StaffWarning, Store


def pending_count(store: Store) -> int:
    return Ledger(store).pending_count()


def listing(store: Store, include_acknowledged: bool = False) -> list[StaffWarning]:
    """Oldest first; the acknowledged ones too when asked."""
    return Ledger(store).warnings(include_acknowledged=include_acknowledged)


def acknowledge(store: Store, warning_id: int, reviewer: str, at: datetime) -> StaffWarning:
    if not reviewer.strip():
        raise UsageError("ibanbot warnings ack: --reviewer must name the staff member")
    return Ledger(store).acknowledge(warning_id, reviewer.strip(), at)


def acknowledged_line(warning: StaffWarning) -> str:
    """What the CLI prints, and the web page confirms, after an acknowledgment."""
    when = f"{warning.acknowledged_at:%Y-%m-%d %H:%M} UTC" if warning.acknowledged_at else "?"
    return f"warning {warning.id}: acknowledged by {warning.acknowledged_by} at {when}"
