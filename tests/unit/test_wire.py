"""The wire's event types are written once (the ``EventType`` literal); the lists derived from
it and the rules that must know every type are checked against it here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest

from server.core.match_state import Conflict, apply_event
from server.wire import EVENT_TYPES, STATUS_AFTER, EventIn, EventType, Match, Status, Team

STATUSES: tuple[Status, ...] = get_args(Status)


def event(kind: EventType) -> EventIn:
    """A well-formed event of ``kind`` (the fields its type needs, and no others)."""
    fields: dict[str, object] = {}
    if kind in ("goal", "goal_disallowed", "card", "substitution", "penalty_shootout"):
        fields["team"] = "home"
    if kind == "card":
        fields["card"] = "yellow"
    if kind == "substitution":
        fields |= {"player_in": "In", "player_out": "Out"}
    if kind == "penalty_shootout":
        fields["scored"] = True
    return EventIn(type=kind, **fields)


def match(status: Status) -> Match:
    """A match with a home goal (so that one can be disallowed), put in ``status``."""
    played = Match(
        id="m",
        competition="Cup",
        home=Team(name="Home"),
        away=Team(name="Away"),
        kickoff=datetime(2026, 6, 11, 19, tzinfo=UTC),
    )
    apply_event(played, event("kickoff"), "e-0")
    apply_event(played, event("goal"), "e-1")
    played.status = status
    return played


def test_event_types_are_the_literal_in_its_order():
    assert get_args(EventType) == EVENT_TYPES
    assert "clock" in EVENT_TYPES and len(set(EVENT_TYPES)) == len(EVENT_TYPES)


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_every_event_type_has_a_rule_for_every_status(kind):
    # A type missing from the rules would be a KeyError (a 500), not a refusal.
    applied = 0
    for status in STATUSES:
        try:
            out = apply_event(match(status), event(kind), "e-2")
        except (Conflict, ValueError):
            continue
        applied += 1
        assert out.type == kind
        assert out.status == STATUS_AFTER.get(kind, out.status)  # the table the viewer has too
        assert out.text or kind == "clock"  # a default text for every type but the clock's
    assert applied, f"{kind} is allowed in no status"


def test_the_stream_names_every_event_type_the_viewer_parses():
    from desktop.stream.item_parser import MATCH_EVENT_TYPES

    # The timeline's types, and goal_update, which the viewer applies to the goal it completes.
    assert frozenset(EVENT_TYPES) | {"goal_update"} == MATCH_EVENT_TYPES
