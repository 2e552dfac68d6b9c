"""The product's one clock.

Every decision that depends on "now" or "today" (entry windows, cut-offs, the default month,
reopening expiry, the demo's months, the time printed on a PDF) asks these two functions, so a
test pins the whole product with `time_machine.travel(...)` and nothing reads the machine's clock
behind its back. "Today" is the date in Vietnam (settings.TIME_ZONE, Asia/Ho_Chi_Minh): the 25th
begins at 17:00 UTC on the 24th, whatever the server's own time zone.
"""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in Vietnam."""
    return timezone.localdate(now())
