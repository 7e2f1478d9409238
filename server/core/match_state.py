"""How an event changes a match: score, status, minute. Pure functions, no I/O.

The broker calls :func:`apply_event` for every publisher (feed replay and the publish API
alike), so the rules of football live here once.
"""

from __future__ import annotations

from datetime import datetime

from server.wire import (
    MAX_SCORE,
    STATUS_AFTER,
    EventIn,
    EventType,
    Match,
    MatchEvent,
    MatchIn,
    Score,
    Side,
    Status,
    UpdateType,
)
from server.wire_text import format_minute, goal_text


class Conflict(ValueError):
    """The event contradicts the match (a goal after full time, a second kick-off...)."""


# Which statuses each event type may arrive in: every type has an entry
# (tests/unit/test_wire.py checks it against server.wire.EVENT_TYPES).
_ALLOWED: dict[EventType | UpdateType, tuple[Status, ...]] = {
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
    # A goal's detail may arrive after the whistle that followed it, even after full time.
    "goal_update": ("live", "half_time", "extra_time", "penalties", "full_time"),
}

_CARD_WORDS = {"yellow": "Yellow card", "second_yellow": "Second yellow card", "red": "Red card"}


def new_match(spec: MatchIn, match_id: str, kickoff: datetime, *, clock_rate: float = 1.0) -> Match:
    """The match ``spec`` describes before anything has happened in it: what the broker adds,
    and what a feed's checks replay its events on."""
    return Match(
        id=match_id,
        competition=spec.competition,
        round=spec.round,
        home=spec.home,
        away=spec.away,
        kickoff=kickoff,
        clock_rate=clock_rate,
    )


def _needs(ev: EventIn, *fields: str) -> None:
    missing = [f for f in fields if getattr(ev, f) in (None, "")]
    if missing:
        raise ValueError(f"a {ev.type} event needs {', '.join(missing)}")


def validate_shape(ev: EventIn) -> None:
    """Checks that do not depend on the match; raises ValueError (a 422 for the API)."""
    if ev.type in ("goal", "goal_disallowed", "card", "substitution", "penalty_shootout"):
        _needs(ev, "team")
    if ev.type == "goal_update":
        _needs(ev, "updates")
    if ev.type == "card":
        _needs(ev, "card")
    if ev.type == "substitution":
        _needs(ev, "player_in", "player_out")
    if ev.type == "penalty_shootout" and ev.scored is None and ev.penalties is None:
        raise ValueError("a penalty_shootout event needs scored (true/false) or penalties")
    if ev.type not in ("goal", "goal_update") and (ev.penalty or ev.own_goal):
        raise ValueError("penalty and own_goal only apply to goals")
    if ev.type != "goal_disallowed" and ev.cancels is not None:
        raise ValueError("cancels only applies to goal_disallowed events")
    if ev.type != "goal_update" and ev.updates is not None:
        raise ValueError("updates only applies to goal_update events")
    if ev.type != "card" and ev.card is not None:
        raise ValueError("card only applies to card events")


def _side(ev: EventIn) -> Side:
    """The side of an event that validate_shape requires one of."""
    if ev.team is None:  # validate_shape has refused it already; this tells the type checker
        raise ValueError(f"a {ev.type} event needs team")
    return ev.team


def _one_more(score: Score, side: Side, what: str) -> None:
    """Counts one more for ``side``, up to MAX_SCORE: the server never keeps a number it
    could not write and read back (ValueError, a 422 for the API)."""
    now: int = getattr(score, side)
    if now >= MAX_SCORE:
        raise ValueError(f"{side} has {now} {what}: a side has at most {MAX_SCORE}")
    setattr(score, side, now + 1)


def default_text(match: Match, ev: MatchEvent) -> str:
    """A readable line for events that come without text."""
    side = getattr(match, ev.team).name if ev.team else ""
    who = ev.player or side
    if ev.type == "goal":
        return goal_text(match, ev)
    if ev.type == "goal_disallowed":
        return f"Goal disallowed for {side} after review"
    if ev.type == "goal_update":
        kind = " (own goal)" if ev.own_goal else " (penalty)" if ev.penalty else ""
        minute = f", {format_minute(ev.minute, ev.added)}" if ev.minute is not None else ""
        return f"Goal for {side}: {who}{kind}{minute}"
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

    if ev.type == "goal_update":
        return _update_goal(match, ev, event_id)

    score = match.score.model_copy()
    penalties = match.penalties.model_copy() if match.penalties else None
    status: Status = STATUS_AFTER.get(ev.type, match.status)
    minute, added = ev.minute, ev.added
    cancels = None

    if ev.type == "kickoff":
        minute = minute or 0
    elif ev.type == "goal":
        _one_more(score, _side(ev), "goals")
    elif ev.type == "goal_disallowed":
        # Takes back the side's latest goal that still stands (a VAR reversal).
        taken = {e.cancels for e in match.events if e.type == "goal_disallowed"}
        standing = [e for e in match.events if e.type == "goal" and e.team == ev.team]
        standing = [e for e in standing if e.id not in taken]
        if ev.cancels is not None:  # a named goal (a provider knows which one VAR took back)
            standing = [e for e in standing if e.id == ev.cancels]
            if not standing:
                raise Conflict(f"{ev.team} has no standing goal {ev.cancels!r} to disallow")
        if not standing:
            raise Conflict(f"{ev.team} has no goal to disallow")
        cancels = standing[-1].id
        side = _side(ev)
        setattr(score, side, getattr(score, side) - 1)
    elif ev.type == "second_half":
        # The break after 90 minutes leads into extra time, not a second "second half".
        after_ninety = (match.minute or 0) >= 90
        status = "extra_time" if after_ninety else "live"
        minute = minute or (106 if after_ninety else 46)
    elif ev.type == "extra_time":
        minute = minute or 91
    elif ev.type == "penalty_shootout":
        penalties = penalties or Score()
        if ev.penalties is not None:
            penalties = Score(home=ev.penalties.home, away=ev.penalties.away)
        elif ev.scored:
            _one_more(penalties, _side(ev), "shoot-out goals")

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
    fold(match, out)
    return out


def folds(kind: str) -> bool:
    """Whether :func:`fold` can bring a match to its state after an event of this kind. Not
    a goal_update: the goal it rewrites keeps its own text when the update came with one, and
    the update does not say whether it did."""
    return kind != "goal_update"


def fold(match: Match, out: MatchEvent) -> None:
    """Brings ``match`` to its state after ``out``, an event the rules already produced (of a
    kind that :func:`folds`): what :func:`apply_event` ends with, and how a server sharing a
    store with others (Redis) takes in the events they published. The event carries the state
    after it, so no rule runs again."""
    match.score, match.penalties, match.status = out.score, out.penalties, out.status
    if out.status != "penalties":
        match.minute, match.added = out.minute, out.added
    if out.type != "clock":
        match.events.append(out)


def _update_goal(match: Match, ev: EventIn, event_id: str) -> MatchEvent:
    """A goal_update: rewrites goal ``ev.updates`` in the timeline with the detail that came
    late, and returns the streamed update. Score, status and clock stay as they are: the goal
    was counted when it was published."""
    index = next(
        (i for i, e in enumerate(match.events) if e.id == ev.updates and e.type == "goal"), None
    )
    if index is None:
        raise Conflict(f"no goal {ev.updates!r} to update")
    goal = match.events[index]
    if ev.team is not None and ev.team != goal.team:
        raise Conflict(f"goal {ev.updates!r} counts for {goal.team}, not {ev.team}")
    player = ev.player if ev.player is not None else goal.player
    minute, added = (ev.minute, ev.added) if ev.minute is not None else (goal.minute, goal.added)
    detail = {
        "player": player,
        "minute": minute,
        "added": added,
        "penalty": ev.penalty,
        "own_goal": ev.own_goal,
    }
    updated = goal.model_copy(update=detail)
    if ev.text is None:
        updated.text = default_text(match, updated)
    out = MatchEvent(
        id=event_id,
        type="goal_update",
        match=match.id,
        minute=minute,
        added=added,
        team=goal.team,
        player=player,
        text=ev.text or "",
        score=match.score.model_copy(),
        status=match.status,
        penalties=match.penalties.model_copy() if match.penalties else None,
        penalty=ev.penalty,
        own_goal=ev.own_goal,
        updates=goal.id,
    )
    if not out.text:
        out.text = default_text(match, out)
    match.events[index] = updated
    return out
