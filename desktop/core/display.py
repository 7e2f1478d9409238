"""How a match reads on screen: minute or status, local kick-off time, score. No Qt.

Kick-off times are shown in the user's local time zone (``datetime.astimezone()`` with no
argument uses the system zone, honouring ``TZ``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from desktop.core.state import is_live
from server.wire import Match, MatchEvent, Score
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


def clock_text(
    match: Match, now: datetime | None = None, shown: tuple[int | None, int | None] | None = None
) -> str:
    """The time column: ``67'``, ``45+2'``, ``HT``, ``ET 97'``, ``Pens``, ``FT``/``AET``.
    ``shown``: the running minute (:mod:`desktop.core.match_clock`), else the match's own."""
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
    minute = format_minute(*(shown if shown is not None else (match.minute, match.added)))
    if status == "extra_time":
        return f"ET {minute}" if minute else "ET"
    return minute or "Live"


_CARD_WORDS = {"yellow": "Yellow card", "second_yellow": "Second yellow card", "red": "Red card"}
#: Why a goal was taken back, as scorers and feeds word it (the text is free).
_REASONS = (
    ("offside", re.compile(r"\boff-?side\b", re.IGNORECASE)),
    ("handball", re.compile(r"\bhand-? ?ball\b|\bhandled\b", re.IGNORECASE)),
    ("foul", re.compile(r"\bfoul", re.IGNORECASE)),
)


_REVIEW = re.compile(r"\bVAR\b|\breview", re.IGNORECASE)


def disallowed_reason(text: str) -> str | None:
    """``offside``, ``handball`` or ``foul`` when a disallowed goal's text says which."""
    return next((reason for reason, pattern in _REASONS if pattern.search(text)), None)


def why_disallowed(ev: MatchEvent) -> str:
    """``VAR: offside``, ``VAR``, ``offside`` or "" from a disallowed goal's text."""
    review = "VAR" if _REVIEW.search(ev.text) else ""
    return ": ".join(filter(None, (review, disallowed_reason(ev.text) or "")))


def _score(score: Score) -> str:
    return f"{score.home}–{score.away}"


def what_happened(ev: MatchEvent) -> str:
    """The timeline's "What happened": the kind of event and what it did to the score, without
    the team and the player, which have columns of their own (the feed's sentence, which
    repeats them, is the row's tooltip)."""
    score = _score(ev.score)
    if ev.type == "goal":
        kind = "Own goal" if ev.own_goal else "Penalty" if ev.penalty else "Goal"
        return f"{kind}, {score}"
    if ev.type == "goal_disallowed":
        why = why_disallowed(ev)
        return f"Goal disallowed ({why}), {score}" if why else f"Goal disallowed, {score}"
    if ev.type == "card":
        return _CARD_WORDS.get(ev.card or "yellow", "Card")
    shootout = f"shoot-out {_score(ev.penalties)}" if ev.penalties else "shoot-out"
    if ev.type == "penalty_shootout":
        if ev.scored is None:
            return shootout.capitalize()
        return f"Penalty {'scored' if ev.scored else 'missed'}, {shootout}"
    if ev.type == "full_time":
        return f"Full time, {score}" + (f", {shootout}" if ev.penalties else "")
    return {
        "kickoff": "Kick-off",
        "half_time": f"Half time, {score}",
        "second_half": "Second half",
        "extra_time": "Extra time",
        "substitution": "Substitution",
    }.get(ev.type, ev.text or ev.type)


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
