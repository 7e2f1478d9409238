"""The event detector driven directly, without a broker: a wire match, and the steps the
detector takes on it applied as the poller would (tests/unit/test_detector_*.py)."""

from __future__ import annotations

from server.core.match_state import apply_event
from server.feeds.providers.base import MatchSnapshot
from server.feeds.providers.detector import (
    Absorb,
    Decision,
    Publish,
    Remember,
    absorb,
    next_step,
)
from server.wire import Match, MatchEvent
from tests.support.provider_snapshots import snap


def wire_match(phase: str = "scheduled") -> Match:
    """A new wire match for the snapshot builder's teams."""
    match, _memory, _notes = absorb(snap(phase), None, None)
    return match


class Driven:
    """One match followed step by step, as the poller does, with the events it published."""

    def __init__(self, first: MatchSnapshot) -> None:
        self.match, self.memory, _ = absorb(first, None, None)
        self.polls = 0
        self.absorbed: list[str] = []  # why each silent take-in happened
        self.notes: list[str] = []
        self.decisions: list[Decision] = []

    def poll(
        self, snapshot: MatchSnapshot, *, clock: bool = False, limit: int = 100
    ) -> list[MatchEvent]:
        """Brings the match to ``snapshot``; the events published, in order (the clock's
        ticks left out unless ``clock``)."""
        self.polls += 1
        out: list[MatchEvent] = []
        for _ in range(limit):
            before = (self.match.model_copy(deep=True), self.memory.model_copy(deep=True))
            decision = next_step(snapshot, self.match, self.memory, poll=self.polls)
            # The detector decides; it never changes what it was given (the poller's memory
            # stays as stored if a publish fails).
            assert (self.match, self.memory) == before, "next_step changed its input"
            self.decisions.append(decision)
            self.notes += decision.notes
            step = decision.step
            if step is None:
                return out
            if isinstance(step, Remember):
                self.memory = step.memory
            elif isinstance(step, Absorb):
                self.absorbed.append(step.why)
                given = (self.match, self.memory)
                self.match, self.memory, notes = absorb(snapshot, *given)
                assert given == before, "absorb changed its input"
                self.notes += notes
                return out
            else:
                assert isinstance(step, Publish)
                event_id = f"{self.match.id}.{len(self.match.events) + 1}"
                event = apply_event(self.match, step.event, event_id)
                if clock or event.type != "clock":
                    out.append(event)
                given_memory = self.memory
                self.memory = step.after(event_id)
                assert given_memory == before[1], "a step's memory after changed the one before"
        raise AssertionError(f"did not settle in {limit} steps")


def types(events: list[MatchEvent], *, clock: bool = False) -> list[str]:
    return [e.type for e in events if clock or e.type != "clock"]
