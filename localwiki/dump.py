"""XML dumps for importDump.php: thanks log items with unique timestamps."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

CLOCK_FILE = "thanks.clock"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

LOGITEM = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" \
xml:lang="en">
  <logitem>
    <timestamp>{timestamp}</timestamp>
    <contributor>
      <username>{sender}</username>
      <id>{sender_id}</id>
    </contributor>
    <type>thanks</type>
    <action>thank</action>
    <logtitle>User:{recipient}</logtitle>
    <params xml:space="preserve">a:0:{{}}</params>
  </logitem>
</mediawiki>
"""


def thanks_logitem(sender: str, sender_id: int, recipient: str, timestamp: str) -> str:
    return LOGITEM.format(timestamp=escape(timestamp), sender=escape(sender), sender_id=sender_id,
                          recipient=escape(recipient))


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, _FORMAT).replace(tzinfo=dt.UTC)


def next_timestamp(root: Path, wanted: str | None = None) -> str:
    """`wanted` (or now), bumped by whole seconds past the last one used in this wiki.

    importDump skips a log item whose type, action, timestamp (to the second), target
    and params repeat an earlier one, so every thanks needs a timestamp of its own.
    """
    clock = root / CLOCK_FILE
    if wanted is not None:
        stamp = _parse(wanted)
    else:
        stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    used = set(clock.read_text().split()) if clock.is_file() else set()
    while stamp.strftime(_FORMAT) in used or (wanted is None and _after_last(stamp, used)):
        stamp += dt.timedelta(seconds=1)
    text = stamp.strftime(_FORMAT)
    with open(clock, "a") as fh:
        fh.write(text + "\n")
    return text


def _after_last(stamp: dt.datetime, used: set[str]) -> bool:
    """For automatic stamps: stay strictly after every stamp used so far."""
    return any(_parse(old) >= stamp for old in used)


def forget_clock(root: Path) -> None:
    (root / CLOCK_FILE).unlink(missing_ok=True)
