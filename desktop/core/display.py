"""How a match reads on screen: minute or status, local kick-off time, score. No Qt.

Kick-off times are shown in the user's local time zone (``datetime.astimezone()`` with no
argument uses the system zone, honouring ``TZ``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from desktop.core.state import is_live
from server.wire import Match
from server.wire_text import format_minute


def is_playing(match: Match) -> bool:
    """Under way, breaks included (the same as :func:`desktop.core.state.is_live`)."""
    return is_live(match)


def local_kickoff(match: Match) -> datetime:
    return match.kickoff.astimezone()


def kickoff_text(match: Match, now: datetime | None = None) -> str:
    """``17:30`` today; ``Sat 17:30`` this week; ``13 Jun 17:30`` further away (all local)."""
    when = local_kickoff(match)
    # Each in its own local offset: across a change of the clocks the two differ.
    now = (now or datetime.now()).astimezone()
    days = (when.date() - now.date()).days
    if days == 0:
        return f"{when:%H:%M}"
    if 0 < days < 7:
        return f"{when:%a %H:%M}"
    return f"{when.day} {when:%b %H:%M}"


def had_extra_time(match: Match) -> bool:
    return match.status in ("extra_time", "penalties") or any(
        ev.type in ("extra_time", "penalty_shootout") for ev in match.events
    )


def clock_text(match: Match, now: datetime | None = None) -> str:
    """The time column: ``67'``, ``45+2'``, ``HT``, ``ET 97'``, ``Pens``, ``FT``/``AET``."""
    status = match.status
    if status == "scheduled":
        return kickoff_text(match, now)
    if status == "half_time":
        return "HT"
    if status == "penalties":
        return "Pens"
    if status == "full_time":
        if match.penalties is not None:
            return "Pens"
        return "AET" if had_extra_time(match) else "FT"
    minute = format_minute(match.minute, match.added)
    if status == "extra_time":
        return f"ET {minute}" if minute else "ET"
    return minute or "Live"


def score_text(match: Match) -> str:
    """``2 – 1``; ``1 – 1 (4 – 3)`` with the shoot-out; ``v`` before kick-off."""
    if match.status == "scheduled":
        return "v"
    text = f"{match.score.home} – {match.score.away}"
    if match.penalties is not None:
        text += f" ({match.penalties.home} – {match.penalties.away})"
    return text


def status_words(match: Match) -> str:
    """A spoken form of the status, for tooltips and screen readers."""
    return {
        "scheduled": "Not started",
        "live": "Live",
        "half_time": "Half time",
        "extra_time": "Extra time",
        "penalties": "Penalty shoot-out",
        "full_time": "Full time",
    }[match.status]


def kickoff_long(match: Match) -> str:
    """``Thu 11 Jun 2026, 21:00`` in local time."""
    when = local_kickoff(match)
    return f"{when:%a} {when.day} {when:%b %Y, %H:%M}"


def tomorrow_morning(now: datetime | None = None) -> datetime:
    """Local 06:00 of the next day: when "mute until tomorrow" ends."""
    now = now or datetime.now().astimezone()
    return (now + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
