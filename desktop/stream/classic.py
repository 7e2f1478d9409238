"""Servers built from the original article: plain ``data:`` lines, no ids, no event names.

Each message reads ``Match Summary: {"time": "67'", "scores": "2:1", "event": "Goal! ..."}``.
:class:`ClassicAdapter` turns them into the same stream items as the real protocol, for one
match ``"classic"`` ("Team A" v "Team B", competition "Live"):

* the first message is a silent baseline (a snapshot), as a first snapshot is;
* a side's score rising is a goal for that side (the message's text becomes the event text),
  a score falling is a disallowed goal; otherwise the text is matched against the phrase
  table the server's classic feed uses too (``server.wire_text.PHRASES``: kick-off, half
  time, full time, cards...) and anything else only moves the clock;
* ids are synthesized from content, ``classic-<hash>-<n>`` (n counts repeats of the same
  content within a connection), so a server that replays everything on each connection yields
  the same ids again and those messages are skipped;
* ``A v B (Competition)`` at ``00:00`` (what Touchline's own server sends for a new match)
  names the teams and starts a fresh match.

Classic servers know nothing of matches: several matches interleaved on one classic stream
cannot be told apart. Use ``?match=ID`` with Touchline's server.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, StreamItem
from server.wire import STATUS_AFTER, Match, MatchEvent, Score, Side, Snapshot, Status, Team
from server.wire_text import FIXTURE, FIXTURE_TIME, Summary, classify, parse_summary

MATCH_ID = "classic"


class ClassicAdapter:
    """Turns classic messages into stream items; one instance lives across reconnects."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.match: Match | None = None
        self._now = now
        self._seen: set[str] = set()
        self._order: deque[str] = deque()
        self._repeats: Counter[str] = Counter()

    def new_connection(self) -> None:
        """A new connection starts counting repeats afresh (a replaying server starts over)."""
        self._repeats.clear()

    def _event_id(self, s: Summary) -> str:
        digest = hashlib.sha1(f"{s.time}|{s.home}:{s.away}|{s.text}".encode()).hexdigest()[:12]
        self._repeats[digest] += 1
        return f"classic-{digest}-{self._repeats[digest]}"

    def _remember(self, event_id: str) -> bool:
        """False if already seen; keeps the last 10 000 ids."""
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._order.append(event_id)
        if len(self._order) > 10_000:
            self._seen.discard(self._order.popleft())
        return True

    def feed(self, data: str) -> list[StreamItem]:
        """Items for one message (``[]`` for a repeat); ValueError when malformed."""
        s = parse_summary(data)
        event_id = self._event_id(s)
        if not self._remember(event_id):
            return []
        fixture = FIXTURE.match(s.text) if s.time in ("", FIXTURE_TIME) else None
        if fixture or self.match is None:
            first = self.match is None
            self.match = self._fresh(s, fixture)
            if not fixture:  # joined mid-match: take what the message says as the baseline
                self.match.minute, self.match.added = s.minute, s.added
                self.match.status = STATUS_AFTER.get(classify(s.text)[0], "live")
            if first:
                return [SnapshotItem(Snapshot(matches=[self.match.model_copy(deep=True)]), None)]
            return [MatchAddedItem(self.match.model_copy(deep=True), None)]
        ev = self._event(s, event_id)
        self._follow(ev)
        return [EventItem(ev, None)]

    def _fresh(self, s: Summary, fixture: re.Match[str] | None) -> Match:
        home, away, comp = ("Team A", "Team B", "Live")
        if fixture:
            home, away, comp = fixture["home"], fixture["away"], fixture["comp"]
        return Match(
            id=MATCH_ID,
            competition=comp[:80],
            home=Team(name=home[:80]),
            away=Team(name=away[:80]),
            kickoff=self._now(),
            score=Score(home=s.home, away=s.away),
        )

    def _event(self, s: Summary, event_id: str) -> MatchEvent:
        assert self.match is not None
        match = self.match
        d_home, d_away = s.home - match.score.home, s.away - match.score.away
        kind, card = classify(s.text)
        team: Side | None = None
        if d_home > 0 or d_away > 0:
            kind, team = "goal", "home" if d_home > 0 else "away"
        elif d_home < 0 or d_away < 0:
            kind, team = "goal_disallowed", "home" if d_home < 0 else "away"
        status: Status = match.status
        if kind == "goal" and status == "scheduled":
            status = "live"  # a goal proves the match is on, kick-off message or not
        elif kind == "second_half":
            status = "extra_time" if (match.minute or 0) >= 90 else "live"
        else:
            status = STATUS_AFTER.get(kind, status)
        minute, added = (s.minute, s.added) if s.minute is not None else (match.minute, None)
        lowered = s.text.lower()
        return MatchEvent(
            id=event_id,
            type=kind,
            match=MATCH_ID,
            minute=minute,
            added=added,
            team=team,
            text=s.text[:280],
            score=Score(home=s.home, away=s.away),
            status=status,
            penalties=match.penalties,
            penalty=kind == "goal" and "penalty" in lowered,
            own_goal=kind == "goal" and "own goal" in lowered,
            card=card,
            at=self._now(),
        )

    def _follow(self, ev: MatchEvent) -> None:
        """Keeps our mirror of the match in step, to compare the next message's score."""
        assert self.match is not None
        self.match.score, self.match.status = ev.score, ev.status
        if ev.type == "clock" and ev.status not in ("live", "extra_time"):
            return
        self.match.minute, self.match.added = ev.minute, ev.added
