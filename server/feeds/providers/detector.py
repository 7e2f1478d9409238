"""From successive snapshots of a match to the wire's events, each published once. Pure: no
I/O, no clock; the poller publishes what this decides and stores the memory it returns.

The detector compares what the wire says (the broker's :class:`~server.wire.Match`) and what
it remembers (:class:`Memory`: which provider goal is which wire goal, which cards, kicks and
substitutions it has published) with the provider's latest :class:`MatchSnapshot`, and answers
one step at a time (:func:`next_step`) until they agree:

- **First sight** (or the first poll after the provider was unreachable): :func:`absorb` brings
  the match in with its current state as one ``match_added``, which viewers take in silently:
  no burst of old goals.
- **A goal** is published the moment the score rises, with whatever detail the provider has;
  a scorer, minute, penalty or own-goal flag that arrives a poll later completes that goal
  (``goal_update``), never a second goal.
- **A score that falls** with its goal gone from the provider's list is a VAR reversal:
  ``goal_disallowed`` naming that goal. Without a list to check (football-data's free plan),
  the fall must be seen on two polls in a row, so a score that flickers down and back up is
  neither a reversal nor a second goal.
- **Whistles** (kick-off, half time, second half, extra time, the shoot-out's kicks, full
  time) are published in match order, goals placed by their minute between them.
- **Postponed, cancelled or awarded** before kick-off: the match stays scheduled and its round
  says so. **Abandoned** (or any of those after kick-off): full time, saying why.
  **Suspended**: nothing moves until play resumes or the match is called off.
- What events cannot say (a goal registered after the final whistle, a goal taken back that
  was only ever absorbed as a number) is taken in silently (:class:`Absorb`), so the score is
  never wrong.

Positions on the path of a match, as the wire's statuses walk it::

    0 scheduled  1 live (first half)  2 half_time  3 live (second half)  4 extra_time
    5 half_time (extra-time break)  6 extra_time  7 penalties  8 full_time
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from server.core.match_state import Conflict, apply_event
from server.feeds.providers.base import Incident, IncidentKind, MatchSnapshot
from server.wire import EventIn, Match, Score, ScoreIn, Side, Status, Team

SIDES: tuple[Side, Side] = ("home", "away")
STATUS_AT: tuple[Status, ...] = (
    "scheduled",
    "live",
    "half_time",
    "live",
    "extra_time",
    "half_time",
    "extra_time",
    "penalties",
    "full_time",
)
_AT_PHASE = {
    "scheduled": 0,
    "first_half": 1,
    "half_time": 2,
    "second_half": 3,
    "extra_time_first": 4,
    "extra_time_break": 5,
    "extra_time_second": 6,
    "penalties": 7,
    "full_time": 8,
}
#: Where each kind of incident may be published (the rules of server.core.match_state).
_ALLOWED: dict[IncidentKind, frozenset[int]] = {
    "goal": frozenset({1, 3, 4, 6}),
    "card": frozenset({1, 2, 3, 4, 5, 6, 7}),
    "substitution": frozenset({1, 2, 3, 4, 5, 6}),
    "shootout": frozenset({7}),
}
#: Before kick-off these leave the match scheduled (its round says so); after it they end it.
_CALLED_OFF = {
    "postponed": "postponed",
    "cancelled": "cancelled",
    "awarded": "result awarded",
    "abandoned": "abandoned",
}
_ENDED_BY = {
    "abandoned": "Abandoned",
    "postponed": "Abandoned (postponed)",
    "cancelled": "Abandoned (cancelled)",
    "awarded": "Result awarded",
}
#: Steps one poll may take for one match (a whole match absorbed is about 40).
MAX_STEPS = 400

Detail = tuple[str | None, int | None, int | None, bool, bool]


class GoalRecord(BaseModel):
    """A goal on the wire and the provider incident it is, once known."""

    side: Side
    id: str | None = None  # the wire's goal event; None: absorbed as a number only
    key: str | None = None
    detail: Detail | None = None  # (player, minute, added, penalty, own_goal) as published
    cancelled: bool = False


class Memory(BaseModel):
    """What the detector keeps about one match, stored with every event it publishes."""

    position: int = 0
    goals: list[GoalRecord] = Field(default_factory=list)
    seen: list[str] = Field(default_factory=list)  # cards, substitutions, kicks handled
    teams: tuple[str | None, str | None] = (None, None)  # the provider's team ids
    falls: dict[str, int] = Field(default_factory=dict)  # side → the poll it was seen lower
    called_off: str | None = None  # postponed/cancelled/awarded, shown in the round

    def standing(self, side: Side) -> list[GoalRecord]:
        return [g for g in self.goals if g.side == side and not g.cancelled]


@dataclass(frozen=True)
class Publish:
    """Publish ``event``; ``after(id)`` is the memory once it is published with that id."""

    event: EventIn
    after: Callable[[str], Memory]


@dataclass(frozen=True)
class Remember:
    """Nothing to publish, but the memory changes (a goal linked to its incident...)."""

    memory: Memory


@dataclass(frozen=True)
class Absorb:
    """Events cannot say this: take the snapshot in silently (see :func:`absorb`)."""

    why: str


Step = Publish | Remember | Absorb


@dataclass(frozen=True)
class _Item:
    """Something to publish between the whistles: where, what, for whom."""

    position: int | None  # None: nowhere on the match's path allows it
    kind: IncidentKind
    side: Side
    incident: Incident | None  # None: a goal the provider gives no detail for

    def when(self) -> tuple[int, int]:
        """Its order at its position: by minute, one without a minute last."""
        inc = self.incident
        if inc is None or inc.minute is None:
            return (999, 0)
        return (inc.minute, inc.added or 0)


@dataclass
class Decision:
    step: Step | None
    notes: list[str] = field(default_factory=list)  # bad or odd data, for the log (once)


# --- where the snapshot is ----------------------------------------------------------------------


def derive_position(match: Match) -> int:
    """The position of a wire match from its status and timeline (when memory disagrees)."""
    halves = sum(e.type == "half_time" for e in match.events)
    extra = any(e.type == "extra_time" for e in match.events)
    return {
        "scheduled": 0,
        "live": 3 if halves else 1,
        "half_time": 5 if halves >= 2 or extra else 2,
        "extra_time": 6 if halves >= 2 or (halves and not extra) else 4,
        "penalties": 7,
        "full_time": 8,
    }[match.status]


def target_position(snap: MatchSnapshot, current: int) -> int:
    """Where the snapshot puts the match, never behind ``current`` (a phase that flickers
    back is held where the wire is)."""
    phase = snap.phase
    if phase in _AT_PHASE:
        target = _AT_PHASE[phase]
    elif phase == "in_play":  # playing, half unknown: the next half after what was seen
        if snap.extra_time:
            target = 4 if current <= 3 else 6 if current == 5 else current
        else:
            target = {0: 1, 2: 3, 5: 6}.get(current, current)
    elif phase == "paused":  # a break, which one unknown: the one after what was seen
        target = {1: 2, 4: 5}.get(current, current)
    else:  # off the usual path: see next_step
        target = current
    return max(target, current)


def _route(current: int, target: int, snap: MatchSnapshot) -> list[int]:
    """The positions to pass through, in order, to get from ``current`` to ``target``.

    Full time and the shoot-out are reached directly (the wire allows them from any half):
    a break or a half that was never seen is not made up after the fact. Before them, every
    position is passed: a poll every half minute misses no half."""
    if target <= current:
        return []
    if target == 8:
        shootout = current < 7 and snap.penalties is not None and sum(snap.penalties) > 0
        return [*(_route(current, 7, snap) if shootout else []), 8]
    if target == 7:  # the first kick needs the ball in play: out of a break first
        return [*{0: [1], 2: [3], 5: [6]}.get(current, []), 7]
    return list(range(current + 1, target + 1))


def _period(minute: int | None) -> int | None:
    if minute is None:
        return None
    return 1 if minute <= 45 else 3 if minute <= 90 else 4 if minute <= 105 else 6


def _place(kind: IncidentKind, minute: int | None, current: int, route: list[int]) -> int | None:
    """The position an incident is published at: its minute's period if the path passes it,
    else the nearest that allows it; None if none does (it cannot be published)."""
    allowed = [p for p in (current, *route) if p in _ALLOWED[kind]]
    if not allowed:
        return None
    wanted = _period(minute) if kind != "shootout" else 7
    if wanted is None:
        return allowed[-1]  # no minute: as late as the snapshot goes
    before = [p for p in allowed if p <= max(wanted, current)]
    return before[-1] if before else allowed[0]


# --- one step ----------------------------------------------------------------------------------


def next_step(
    snap: MatchSnapshot, wire: Match, memory: Memory, *, poll: int = 0, absorbing: bool = False
) -> Decision:
    """The next thing to do to bring ``wire`` to ``snap``, or a Decision without a step when
    they agree. ``poll`` numbers the caller's polls (a falling score is confirmed by a later
    one); ``absorbing``: building a silent state (:func:`absorb`), where no later poll will
    confirm a falling score and the clock is set directly."""
    notes: list[str] = []
    mem = memory
    if STATUS_AT[mem.position] != wire.status:  # someone else moved the match: follow the wire
        mem = mem.model_copy(update={"position": derive_position(wire)})
    current = mem.position

    refs = (snap.home.ref, snap.away.ref)
    if None not in mem.teams and None not in refs and refs != mem.teams:
        notes.append(f"its teams changed (ids {mem.teams} to {refs}): the match is left as it was")
        return Decision(None, notes)
    if (snap.home.name, snap.away.name) != (wire.home.name, wire.away.name):
        notes.append(
            f"teams renamed to {snap.home.name} v {snap.away.name}: "
            f"keeping {wire.home.name} v {wire.away.name}"
        )

    phase = snap.phase
    target = target_position(snap, current)
    ending: str | None = None
    if phase in _CALLED_OFF and current == 0:
        if mem.called_off != phase:
            return Decision(Absorb(f"{phase} before kick-off"), notes)
        return Decision(None, notes)
    if mem.called_off and current == 0:
        return Decision(Absorb(f"no longer {mem.called_off}"), notes)
    if phase in _ENDED_BY and current > 0:
        target, ending = 8, _ENDED_BY[phase]
    if phase == "suspended":
        notes.append("play is suspended")
    if current == 0 and target == 0 and snap.kickoff != wire.kickoff:
        return Decision(Absorb("the kick-off time moved"), notes)
    if current == 0 and target == 8:  # the whole match passed between two polls: old news
        return Decision(Absorb("seen again only after full time"), notes)
    route = _route(current, target, snap)

    goals_count = snap.score is not None and phase != "awarded"
    incidents = snap.incidents
    goal_incidents: dict[Side, list[Incident]] = {side: [] for side in SIDES}
    for inc in incidents or ():
        if inc.kind == "goal":
            goal_incidents[inc.team].append(inc)
    known = {g.key for g in mem.goals if g.key}

    # 1. A score that fell: a goal taken back.
    if goals_count and current > 0:
        assert snap.score is not None
        for i, side in enumerate(SIDES):
            standing = mem.standing(side)
            if snap.score[i] >= len(standing):
                if side in mem.falls:
                    return Decision(Remember(_without_fall(mem, side)), notes)
                continue
            listed = {inc.key for inc in goal_incidents[side]}
            gone = [g for g in standing if g.key and incidents is not None and g.key not in listed]
            if gone:
                victim = gone[-1]  # its id vanished and the score fell: two signals agree
            else:
                keyless = [g for g in standing if g.key is None]
                if not keyless:
                    notes.append(
                        f"{side} score fell to {snap.score[i]} while its goals are still "
                        "listed: kept"
                    )
                    continue
                if not absorbing and mem.falls.get(side) in (None, poll):
                    if mem.falls.get(side) == poll:
                        continue  # seen lower in this poll: a later one must confirm it
                    fell = mem.model_copy(deep=True)
                    fell.falls[side] = poll
                    return Decision(Remember(fell), notes)
                victim = keyless[-1]
            if victim.id is None:
                return Decision(Absorb("a goal taken in silently was taken back"), notes)
            event = EventIn(type="goal_disallowed", team=side, cancels=victim.id)
            return Decision(Publish(event, _after_cancel(mem, victim)), notes)

    # 2. Detail that arrived later: complete (or correct) a goal already published.
    if incidents is not None and current > 0:
        for side in SIDES:
            by_key = {inc.key: inc for inc in goal_incidents[side]}
            standing = mem.standing(side)
            for goal in standing:
                listed_now = by_key.get(goal.key or "")
                if listed_now is not None and goal.id and listed_now.detail() != goal.detail:
                    update = _goal_update(goal, listed_now)
                    return Decision(Publish(update, _after_detail(mem, goal, listed_now)), notes)
            new = [inc for inc in goal_incidents[side] if inc.key not in known]
            waiting = [g for g in standing if g.key is None or g.key not in by_key]
            for goal, found in zip(waiting, new, strict=False):
                linked = _after_detail(mem, goal, found)
                if goal.id is None or found.detail() == goal.detail or not _tells(found):
                    return Decision(Remember(linked("")), notes)
                return Decision(Publish(_goal_update(goal, found), linked), notes)

    # 3. What happened next, in match order: goals, cards, substitutions, kicks, whistles.
    items: list[_Item] = []
    if goals_count:
        assert snap.score is not None
        for i, side in enumerate(SIDES):
            if snap.score[i] <= len(mem.standing(side)):
                continue
            # Step 2 paired every goal waiting for its detail, so a new incident is this one's.
            fresh = [inc for inc in goal_incidents[side] if inc.key not in known]
            detail = fresh[0] if fresh else None
            minute = detail.minute if detail else None
            items.append(_Item(_place("goal", minute, current, route), "goal", side, detail))
    for inc in incidents or ():
        if inc.kind != "goal" and inc.key not in mem.seen:
            items.append(
                _Item(_place(inc.kind, inc.minute, current, route), inc.kind, inc.team, inc)
            )
    here = [it for it in items if it.position == current]
    if here:
        first = min(here, key=_Item.when)
        return Decision(_publish_item(mem, first), notes)
    if current == 7 and snap.penalties is not None and wire.penalties is not None:
        # The shoot-out's score, where the provider gives only its totals.
        have = (wire.penalties.home, wire.penalties.away)
        kicks_listed = any(inc.kind == "shootout" for inc in incidents or ())
        if have != snap.penalties and (not kicks_listed or phase == "full_time"):
            return Decision(Publish(_totals(snap, have), lambda _id: mem), notes)
    if route:
        whistle = _transition(route, target, mem, wire, snap, items, ending)
        if whistle is not None:
            return Decision(whistle, notes)
    stuck = [it for it in items if it.position is None]
    if stuck:
        item = stuck[0]
        if item.kind == "goal":
            why = f"a {item.side} goal the match can no longer take as an event ({wire.status})"
            return Decision(Absorb(why), notes)
        assert item.incident is not None
        notes.append(f"a {item.kind} came when the match was {wire.status}: skipped")
        return Decision(Remember(_seen(mem, item.incident.key)), notes)

    # 4. The clock.
    # The wire's minute stops at 130: a provider's later one is compared as 130, or each step
    # would publish 130 again.
    minute = min(snap.minute, 130) if snap.minute is not None else None
    if (
        not absorbing
        and target == current
        and wire.status in ("live", "extra_time")
        and minute is not None
        and (minute, snap.added or 0) > (wire.minute or 0, wire.added or 0)
    ):
        event = EventIn(type="clock", minute=minute, added=snap.added)
        return Decision(Publish(event, lambda _id: mem), notes)
    if mem is not memory:
        return Decision(Remember(mem), notes)
    return Decision(None, notes)


def _tells(inc: Incident) -> bool:
    """Whether an incident says more about a goal than "a goal for this side"."""
    return inc.player is not None or inc.minute is not None or inc.penalty or inc.own_goal


def _goal_update(goal: GoalRecord, inc: Incident) -> EventIn:
    return EventIn(
        type="goal_update",
        updates=goal.id,
        team=goal.side,
        player=inc.player,
        minute=inc.minute,
        added=inc.added if inc.minute is not None else None,
        penalty=inc.penalty,
        own_goal=inc.own_goal,
    )


def _publish_item(mem: Memory, item: _Item) -> Step:
    inc = item.incident
    if item.kind == "goal":
        event = EventIn(
            type="goal",
            team=item.side,
            player=inc.player if inc else None,
            minute=inc.minute if inc else None,
            added=inc.added if inc and inc.minute is not None else None,
            penalty=inc.penalty if inc else False,
            own_goal=inc.own_goal if inc else False,
        )

        def after_goal(event_id: str) -> Memory:
            out = mem.model_copy(deep=True)
            record = GoalRecord(side=item.side, id=event_id)
            if inc is not None:
                record.key, record.detail = inc.key, inc.detail()
            out.goals.append(record)
            return out

        return Publish(event, after_goal)
    assert inc is not None
    if item.kind == "card":
        event = EventIn(
            type="card",
            team=inc.team,
            player=inc.player,
            card=inc.card,
            minute=inc.minute,
            added=inc.added if inc.minute is not None else None,
        )
    elif item.kind == "substitution":
        if not (inc.player_in and inc.player_out):
            return Remember(_seen(mem, inc.key))  # a substitution without its two names
        event = EventIn(
            type="substitution",
            team=inc.team,
            player_in=inc.player_in,
            player_out=inc.player_out,
            minute=inc.minute,
            added=inc.added if inc.minute is not None else None,
        )
    else:  # a shoot-out kick
        scored = inc.scored if inc.scored is not None else False
        event = EventIn(type="penalty_shootout", team=inc.team, player=inc.player, scored=scored)
    return Publish(event, lambda _id: _seen(mem, inc.key))


def _transition(
    route: list[int],
    target: int,
    mem: Memory,
    wire: Match,
    snap: MatchSnapshot,
    items: list[_Item],
    ending: str | None,
) -> Step | None:
    position = route[0]
    if position == 7:  # the shoot-out begins with its first kick
        kicks = [it for it in items if it.kind == "shootout"]
        if kicks:
            return _publish_item(mem, kicks[0])
        if snap.penalties is not None and sum(snap.penalties) > 0:
            have = (0, 0) if wire.penalties is None else (wire.penalties.home, wire.penalties.away)
            return Publish(_totals(snap, have), _moved(mem, 7))
        if target == 7 or len(route) == 1:
            return None  # no kick known yet: wait for one
        position = route[1]  # ended without a kick we could see: straight to full time
    kind = {1: "kickoff", 2: "half_time", 3: "second_half", 4: "extra_time", 5: "half_time"}
    kind |= {6: "second_half", 8: "full_time"}
    text = None
    if position == 8 and ending:
        text = f"{ending}, {wire.home.name} {wire.score} {wire.away.name}"
    event = EventIn(type=kind[position], text=text)  # type: ignore[arg-type]
    return Publish(event, _moved(mem, position))


def _totals(snap: MatchSnapshot, have: tuple[int, int]) -> EventIn:
    assert snap.penalties is not None
    home, away = snap.penalties
    side: Side = "away" if away != have[1] and home == have[0] else "home"
    return EventIn(type="penalty_shootout", team=side, penalties=ScoreIn(home=home, away=away))


def _moved(mem: Memory, position: int) -> Callable[[str], Memory]:
    return lambda _id: mem.model_copy(update={"position": position})


def _seen(mem: Memory, key: str) -> Memory:
    out = mem.model_copy(deep=True)
    out.seen.append(key)
    return out


def _without_fall(mem: Memory, side: Side) -> Memory:
    out = mem.model_copy(deep=True)
    out.falls.pop(side, None)
    return out


def _index(mem: Memory, goal: GoalRecord) -> int:
    return next(i for i, g in enumerate(mem.goals) if g is goal)


def _after_cancel(mem: Memory, victim: GoalRecord) -> Callable[[str], Memory]:
    index = _index(mem, victim)

    def after(_id: str) -> Memory:
        out = mem.model_copy(deep=True)
        out.goals[index].cancelled = True
        out.falls.pop(victim.side, None)
        return out

    return after


def _after_detail(mem: Memory, goal: GoalRecord, inc: Incident) -> Callable[[str], Memory]:
    index = _index(mem, goal)

    def after(_id: str) -> Memory:
        out = mem.model_copy(deep=True)
        out.goals[index].key = inc.key
        out.goals[index].detail = inc.detail()
        return out

    return after


# --- taking a match in silently ------------------------------------------------------------------


def fresh_match(snap: MatchSnapshot) -> Match:
    return Match(
        id=snap.id,
        competition=snap.competition,
        round=snap.round,
        home=Team(name=snap.home.name, code=snap.home.code),
        away=Team(name=snap.away.name, code=snap.away.code),
        kickoff=snap.kickoff,
    )


def absorb(
    snap: MatchSnapshot, wire: Match | None, memory: Memory | None
) -> tuple[Match, Memory, list[str]]:
    """The match as ``snap`` describes it, built from ``wire`` (or from nothing) by the same
    steps as live but applied here, with ids of its own and no ``at``: published as one
    match_added, which viewers take in silently. Whatever the events could not say (a score
    without goals to show for it) is then set directly: the snapshot has the last word."""
    match = wire.model_copy(deep=True) if wire is not None else fresh_match(snap)
    if memory is None:
        memory = Memory(teams=(snap.home.ref, snap.away.ref))
        if wire is not None:  # a match this provider has not published (another publisher's)
            memory.position = derive_position(wire)
            memory.goals = _goals_of(wire)
    mem = memory.model_copy(deep=True)
    notes: list[str] = []
    if mem.position == 0:
        match.kickoff = snap.kickoff
    for _ in range(MAX_STEPS):
        decision = next_step(snap, match, mem, absorbing=True)
        notes += [n for n in decision.notes if n not in notes]
        step = decision.step
        if isinstance(step, Publish):
            event_id = f"{snap.id}.{len(match.events) + 1}"
            try:
                apply_event(match, step.event, event_id)
            except (Conflict, ValueError):
                break
            mem = step.after(event_id)
        elif isinstance(step, Remember):
            mem = step.memory
        else:
            break
    _settle(snap, match, mem)
    return match, mem, notes


def _goals_of(match: Match) -> list[GoalRecord]:
    taken = {e.cancels for e in match.events if e.type == "goal_disallowed"}
    return [
        GoalRecord(
            side=e.team,
            id=e.id,
            detail=(e.player, e.minute, e.added, e.penalty, e.own_goal),
            cancelled=e.id in taken,
        )
        for e in match.events
        if e.type == "goal" and e.team is not None
    ]


def _settle(snap: MatchSnapshot, match: Match, mem: Memory) -> None:
    """Sets what the steps could not reach, so the absorbed match is exactly the snapshot."""
    phase = snap.phase
    position = mem.position
    if phase in _CALLED_OFF and position == 0:
        word = _CALLED_OFF[phase]
        match.round = f"{snap.round} · {word}" if snap.round else word.capitalize()
        mem.called_off = phase
    elif mem.called_off and position == 0:  # back on the schedule
        match.round, mem.called_off = snap.round, None
    elif phase in _ENDED_BY and position > 0:
        position = 8
    else:
        position = target_position(snap, position)
    mem.position = position
    match.status = STATUS_AT[position]
    if snap.score is not None and phase != "awarded":
        match.score = Score(home=snap.score[0], away=snap.score[1])
        for i, side in enumerate(SIDES):
            standing = mem.standing(side)
            for _ in range(snap.score[i] - len(standing)):  # goals known only as a number
                mem.goals.append(GoalRecord(side=side))
            for goal in reversed(standing[snap.score[i] :]):
                goal.cancelled = True
    if snap.penalties is not None and position >= 7:
        match.penalties = Score(home=snap.penalties[0], away=snap.penalties[1])
    if match.status in ("live", "extra_time", "half_time") and snap.minute is not None:
        match.minute, match.added = snap.minute, snap.added
    elif match.status == "scheduled":
        match.minute = match.added = None
    mem.falls.clear()
    for inc in snap.incidents or ():  # what the steps could not publish is not news later
        if inc.kind != "goal" and inc.key not in mem.seen:
            mem.seen.append(inc.key)
