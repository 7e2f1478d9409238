"""The words of a notice: titles and bodies for match events. Plain text, no Qt, no HTML.

``GOAL! Arsenal 2–1 Chelsea`` / ``67' Saka``; ``90+3'`` in stoppage time; `` (pen)`` and
`` (og)`` for penalties and own goals; ``Goal disallowed (VAR: offside): Arsenal 1–0 Chelsea``
/ ``54' R. Ferreira, Chelsea``. At most one pair of brackets in a line, never one inside
another. A summary lists each event on a line of its own: ``Arsenal 1–0 Chelsea: 23' Saka``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from desktop.core.display import why_disallowed
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


def _who(match: Match, ev: MatchEvent, player: str | None) -> str:
    """``Saka, Arsenal``; the team alone without a player."""
    side = _side(match, ev)
    return f"{player}, {side}" if player and side else player or side


def event_title_body(match: Match, ev: MatchEvent) -> tuple[str, str]:
    """Title and body for a notifiable event (see ``desktop.core.notify_rules.notice_kind``)."""
    minute = format_minute(ev.minute, ev.added)
    if ev.type == "goal":
        return f"GOAL! {scoreline(match, ev)}", goal_body(match, ev)
    if ev.type == "goal_disallowed":
        cancelled = next((e for e in match.events if e.id == ev.cancels), None)
        why = why_disallowed(ev)
        what = f"Goal disallowed ({why})" if why else "Goal disallowed"
        who = _who(match, ev, cancelled.player if cancelled else None)
        return f"{what}: {scoreline(match, ev)}", _line(minute, who)
    if ev.type == "card":
        how = " (second yellow)" if ev.card == "second_yellow" else ""
        return f"Red card: {scoreline(match, ev)}", _line(minute, _who(match, ev, ev.player)) + how
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


def summary_line(match: Match, ev: MatchEvent) -> str:
    """One event in a summary, the match and the who and when in one line:
    ``Arsenal 1–0 Chelsea: 23' Saka``; ``Red card, Arsenal 0–0 Chelsea: 40' Rice, Arsenal``."""
    title, body = event_title_body(match, ev)
    if ev.type == "goal":
        return f"{scoreline(match, ev)}: {body}"
    if ev.type not in ("goal_disallowed", "card"):
        return title
    # The title is "{what}: {scoreline}"; cut at the scoreline, as the reason in "what" may
    # have a colon of its own ("Goal disallowed (VAR: offside)").
    score = scoreline(match, ev)
    return f"{title.removesuffix(f': {score}')}, {score}: {body}"


def summary_body(lines: Sequence[str], limit: int = 4) -> str:
    """Each line, up to ``limit`` of them, then ``and N more``."""
    if len(lines) <= limit + 1:  # "and 1 more" would take the room of the line itself
        return "\n".join(lines)
    return "\n".join([*lines[:limit], f"and {len(lines) - limit} more"])
