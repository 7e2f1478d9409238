"""How an event changes a match: score, status, minute. Pure functions, no I/O.

The broker calls :func:`apply_event` for every publisher (feed replay and the publish API
alike), so the rules of football live here once.
"""

from __future__ import annotations

from server.wire import EventIn, Match, MatchEvent, Score, Status


class Conflict(ValueError):
    """The event contradicts the match (a goal after full time, a second kick-off...)."""


# Which statuses each event type may arrive in.
_ALLOWED: dict[str, tuple[Status, ...]] = {
    "kickoff": ("scheduled",),
    "goal": ("live", "extra_time"),
    "goal_disallowed": ("live", "half_time", "extra_time", "penalties", "full_time"),
    "card": ("live", "half_time", "extra_time", "penalties"),
    "substitution": ("live", "half_time", "extra_time"),
    "half_time": ("live", "extra_time"),
    "second_half": ("half_time",),
    "extra_time": ("live", "half_time"),
    "penalty_shootout": ("live", "extra_time", "penalties"),
    "full_time": ("live", "extra_time", "penalties", "half_time"),
    "clock": ("live", "extra_time"),
}

_CARD_WORDS = {"yellow": "Yellow card", "second_yellow": "Second yellow card", "red": "Red card"}


def _needs(ev: EventIn, *fields: str) -> None:
    missing = [f for f in fields if getattr(ev, f) in (None, "")]
    if missing:
        raise ValueError(f"a {ev.type} event needs {', '.join(missing)}")


def validate_shape(ev: EventIn) -> None:
    """Checks that do not depend on the match; raises ValueError (a 422 for the API)."""
    if ev.type in ("goal", "goal_disallowed", "card", "substitution", "penalty_shootout"):
        _needs(ev, "team")
    if ev.type == "card":
        _needs(ev, "card")
    if ev.type == "substitution":
        _needs(ev, "player_in", "player_out")
    if ev.type == "penalty_shootout" and ev.scored is None and ev.penalties is None:
        raise ValueError("a penalty_shootout event needs scored (true/false) or penalties")
    if ev.type != "goal" and (ev.penalty or ev.own_goal):
        raise ValueError("penalty and own_goal only apply to goals")
    if ev.type != "card" and ev.card is not None:
        raise ValueError("card only applies to card events")


def default_text(match: Match, ev: MatchEvent) -> str:
    """A readable line for events that come without text."""
    side = getattr(match, ev.team).name if ev.team else ""
    who = ev.player or side
    if ev.type == "goal":
        kind = " (own goal)" if ev.own_goal else " (penalty)" if ev.penalty else ""
        return f"Goal! {who}{kind} for {side}, {match.home.name} {ev.score} {match.away.name}"
    if ev.type == "goal_disallowed":
        return f"Goal disallowed for {side} after review"
    if ev.type == "card":
        return f"{_CARD_WORDS[ev.card or 'yellow']}: {who}"
    if ev.type == "substitution":
        return f"Substitution {side}: {ev.player_in} on, {ev.player_out} off"
    if ev.type == "penalty_shootout":
        if ev.scored is None:
            return f"Penalty shoot-out: {ev.penalties}"
        return f"{who} {'scores' if ev.scored else 'misses'}, shoot-out {ev.penalties}"
    return {
        "kickoff": "Kick-off",
        "half_time": f"Half time, {ev.score}",
        "second_half": "Second half under way",
        "extra_time": "Extra time",
        "full_time": f"Full time, {match.home.name} {ev.score} {match.away.name}",
        "clock": "",
    }[ev.type]


def apply_event(match: Match, ev: EventIn, event_id: str) -> MatchEvent:
    """Applies ``ev`` to ``match`` in place and returns the event as streamed.

    Raises :class:`Conflict` when the event cannot happen in the match's current state and
    ValueError when the event is malformed; in both cases ``match`` is left untouched.
    """
    validate_shape(ev)
    if match.status not in _ALLOWED[ev.type]:
        raise Conflict(f"cannot apply {ev.type} to a match that is {match.status}")

    score = match.score.model_copy()
    penalties = match.penalties.model_copy() if match.penalties else None
    status: Status = match.status
    minute, added = ev.minute, ev.added
    cancels = None

    if ev.type == "kickoff":
        status, minute = "live", minute or 0
    elif ev.type == "goal":
        setattr(score, ev.team, getattr(score, ev.team) + 1)
    elif ev.type == "goal_disallowed":
        # Takes back the side's latest goal that still stands (a VAR reversal).
        taken = {e.cancels for e in match.events if e.type == "goal_disallowed"}
        standing = [e for e in match.events if e.type == "goal" and e.team == ev.team]
        standing = [e for e in standing if e.id not in taken]
        if not standing:
            raise Conflict(f"{ev.team} has no goal to disallow")
        cancels = standing[-1].id
        setattr(score, ev.team, getattr(score, ev.team) - 1)
    elif ev.type == "half_time":
        status = "half_time"
    elif ev.type == "second_half":
        # The break after 90 minutes leads into extra time, not a second "second half".
        after_ninety = (match.minute or 0) >= 90
        status = "extra_time" if after_ninety else "live"
        minute = minute or (106 if after_ninety else 46)
    elif ev.type == "extra_time":
        status, minute = "extra_time", minute or 91
    elif ev.type == "penalty_shootout":
        status = "penalties"
        penalties = penalties or Score()
        if ev.penalties is not None:
            penalties = ev.penalties.model_copy()
        elif ev.scored:
            setattr(penalties, ev.team, getattr(penalties, ev.team) + 1)
    elif ev.type == "full_time":
        status = "full_time"

    if minute is None:  # whistles without a minute keep the clock where it was
        minute, added = match.minute, match.added
    out = MatchEvent(
        id=event_id,
        type=ev.type,
        match=match.id,
        minute=minute,
        added=added,
        team=ev.team,
        player=ev.player,
        text=ev.text or "",
        score=score,
        status=status,
        penalties=penalties,
        penalty=ev.penalty,
        own_goal=ev.own_goal,
        card=ev.card,
        player_in=ev.player_in,
        player_out=ev.player_out,
        scored=ev.scored,
        cancels=cancels,
    )
    if not out.text:
        out.text = default_text(match, out)
    match.score, match.penalties, match.status = score, penalties, status
    if status != "penalties":
        match.minute, match.added = minute, added
    if ev.type != "clock":
        match.events.append(out)
    return out
