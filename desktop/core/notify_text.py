"""The words of a notice: titles and bodies for match events. Plain text, no Qt, no HTML.

``GOAL! Arsenal 2–1 Chelsea`` / ``67' Saka``; ``90+3'`` in stoppage time; `` (pen)`` and
`` (og)`` for penalties and own goals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from desktop.core.notify_settings import EVENT_NOTICES
from server.wire import Match, MatchEvent
from server.wire_text import format_minute


def fixture(match: Match) -> str:
    return f"{match.home.name} v {match.away.name}"


def scoreline(match: Match, ev: MatchEvent | None = None) -> str:
    """``Arsenal 2–1 Chelsea`` with the score after ``ev`` (or the match's score)."""
    score = ev.score if ev is not None else match.score
    return f"{match.home.name} {score} {match.away.name}"


def _side(match: Match, ev: MatchEvent) -> str:
    return getattr(match, ev.team).name if ev.team else ""


def _line(minute: str, who: str) -> str:
    return f"{minute} {who}".strip()


def competition_line(match: Match) -> str:
    return f"{match.competition} · {match.round}" if match.round else match.competition


def goal_body(match: Match, ev: MatchEvent) -> str:
    who = ev.player or _side(match, ev) or ev.text
    tag = " (og)" if ev.own_goal else " (pen)" if ev.penalty else ""
    return _line(format_minute(ev.minute, ev.added), who) + tag


def event_title_body(match: Match, ev: MatchEvent) -> tuple[str, str]:
    """Title and body for a notifiable event (see ``desktop.core.notify_rules.notice_kind``)."""
    minute = format_minute(ev.minute, ev.added)
    if ev.type == "goal":
        return f"GOAL! {scoreline(match, ev)}", goal_body(match, ev)
    if ev.type == "goal_disallowed":
        cancelled = next((e for e in match.events if e.id == ev.cancels), None)
        who = (cancelled.player if cancelled else None) or _side(match, ev)
        return f"Goal disallowed: {scoreline(match, ev)}", _line(minute, f"{who} goal ruled out")
    if ev.type == "card":
        how = " (second yellow)" if ev.card == "second_yellow" else ""
        who = ev.player or _side(match, ev)
        side = f" ({_side(match, ev)})" if ev.player and ev.team else ""
        return f"Red card: {scoreline(match, ev)}", _line(minute, f"{who}{side}{how}")
    if ev.type == "kickoff":
        return f"Kick-off: {fixture(match)}", competition_line(match)
    if ev.type == "half_time":
        return f"Half time: {scoreline(match, ev)}", competition_line(match)
    if ev.type == "full_time":
        body = competition_line(match)
        pens = ev.penalties
        if pens is not None and pens.home != pens.away:
            winner = match.home.name if pens.home > pens.away else match.away.name
            body = f"{winner} win {max(pens.home, pens.away)}–{min(pens.home, pens.away)} on pens"
        return f"Full time: {scoreline(match, ev)}", body
    return f"{fixture(match)}", ev.text


def summary_title(kinds: Sequence[str], catch_up: bool) -> str:
    """``3 goals while you were offline``; ``2 goals, 1 red card just now``."""
    counts = Counter(kinds)
    parts = []
    for kind, notice in EVENT_NOTICES.items():
        if counts[kind]:
            parts.append(f"{counts[kind]} {notice.one if counts[kind] == 1 else notice.many}")
    return ", ".join(parts) + (" while you were offline" if catch_up else " just now")


def summary_body(lines: Sequence[str], limit: int = 5) -> str:
    shown = list(lines[:limit])
    if len(lines) > limit:
        shown.append(f"…and {len(lines) - limit} more")
    return "\n".join(shown)
