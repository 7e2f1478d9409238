"""Which events deserve a notice. Plain Python and deterministic: every call takes ``now``.

Wiring (the app does this; a Qt backend shows the notices)::

    rules = NoticeRules(settings, seen=saved_keys)
    on stream state live:   rules.connected(state.server_time, now)
    on each stream item:    apply_item(board, item); show(rules.on_item(item, board, now))
    every ~1 s (a timer):   show(rules.tick(board, now))      # reminders + settled summaries
    on quit / now and then: save(rules.export_seen()); save(settings.to_dict())

Rules:

* A snapshot is a silent baseline: its events are marked seen, never notified. Only a later
  snapshot (a reconnect that could not resume) reports what it brings that was never seen,
  as a catch-up summary. Call :meth:`NoticeRules.rebaseline` when switching servers.
* Never twice: each notifiable event is remembered by its id *and* by a content key (match,
  type, team, minute, added, player, card, resulting score), because a restarted in-memory
  server replays the same events under new ids. The memory is bounded (``max_seen``, oldest
  dropped) and JSON-serialisable (:meth:`export_seen` / ``seen=``). A ``match_added`` that
  replaces a known match is the server starting that match afresh (a looping demo's new match
  day): that match's content keys are forgotten so its new goals notify again.
* Catch-up → one summary ("3 goals while you were offline"). An event is catch-up when it was
  published (``MatchEvent.at``, server clock) before the stream opened (``server_time``, the
  same server's clock from its ``Date`` header) minus ``catchup_tolerance``. Comparing two
  readings of the *server's* clock makes this immune to skew between viewer and server; the
  viewer's clock is used only when the server sent no ``Date``. Besides, at most
  ``burst_limit`` notices go out one by one within ``burst_window`` seconds; the rest join a
  summary ("4 goals just now"). Held notices are released by :meth:`tick` once no new one
  arrived for ``settle`` seconds; a lone held notice goes out as itself.
* Filters: the kinds in ``settings.kinds`` (``goal_disallowed`` follows ``goal``),
  favourites-only, mute-all until a time, muted matches (a match's mute ends at its full time).
  Filtered events are still marked seen. Kick-off reminders (favourites, ``reminder_minutes``
  before kick-off) come from :meth:`tick`, once per match and kick-off time.
* A ``goal_update`` (a data provider naming the scorer a poll later) never notifies: the goal
  did when it came. If that goal's notice is still held (in a burst or catch-up summary, not
  shown yet) it is rewritten to carry the scorer; once shown, nothing more is said. Either
  way the completed goal's content key is remembered, so a restarted server's replay of the
  completed goal stays silent too.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from desktop.core.items import MatchAddedItem, SnapshotItem, StreamItem
from desktop.core.notify_settings import EVENT_NOTICES, NoticeKind, NoticeSettings
from desktop.core.notify_text import (
    competition_line,
    event_title_body,
    fixture,
    summary_body,
    summary_line,
    summary_title,
)
from desktop.core.state import SENDING_OFF, Scoreboard
from server.wire import Match, MatchEvent


def notice_kind(ev: MatchEvent) -> NoticeKind | None:
    """The notice kind of an event, or None for events that never notify: a card that sends
    a player off is a ``red_card``; other events notify when ``EVENT_NOTICES`` names them."""
    if ev.type == "card":
        return "red_card" if ev.card in SENDING_OFF else None
    return next((kind for kind in EVENT_NOTICES if kind == ev.type), None)


def content_key(ev: MatchEvent) -> str:
    """The event's identity by content, the same under any id: ``<match>|<hash>``."""
    parts = (
        ev.type,
        ev.team,
        ev.minute,
        ev.added,
        ev.player,
        ev.card,
        ev.score.home,
        ev.score.away,
    )
    return f"{ev.match}|" + hashlib.sha1(repr(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Notice:
    """One notification to show. ``match_id`` is None for a summary spanning matches."""

    title: str
    body: str
    kind: NoticeKind
    match_id: str | None
    event_ids: tuple[str, ...] = ()
    #: The notice as one line of a summary (``Arsenal 1–0 Chelsea: 23' Saka``).
    line: str = ""


@dataclass
class _Held:
    notice: Notice
    catch_up: bool


class NoticeRules:
    def __init__(
        self,
        settings: NoticeSettings | None = None,
        seen: Iterable[str] = (),
        *,
        max_seen: int = 4000,
        burst_limit: int = 4,
        burst_window: float = 10.0,
        settle: float = 1.0,
        catchup_tolerance: float = 2.0,
    ) -> None:
        self.settings = settings or NoticeSettings()
        self.max_seen = max_seen
        self.burst_limit, self.burst_window = burst_limit, burst_window
        self.settle, self.catchup_tolerance = settle, catchup_tolerance
        self._seen: OrderedDict[str, None] = OrderedDict((k, None) for k in seen)
        self._trim()
        self._baseline_done = False
        self._current: set[str] = set()  # match ids the server announced since its snapshot
        self._opened_at: datetime | None = None  # server clock when the stream opened
        self._sent: deque[datetime] = deque()
        self._held: list[_Held] = []
        self._last_held: datetime | None = None

    # --- memory ---------------------------------------------------------------------------

    def export_seen(self) -> list[str]:
        """The remembered ids and keys, oldest first: store as JSON, pass back as ``seen=``."""
        return list(self._seen)

    def _mark(self, key: str) -> bool:
        """Remembers ``key``; False if it was already known."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        self._trim()
        return True

    def _trim(self) -> None:
        while len(self._seen) > self.max_seen:
            self._seen.popitem(last=False)

    def _remember(self, ev: MatchEvent) -> bool:
        """Marks id and content key; True only if both were new (a first sighting)."""
        new_id = self._mark(f"id|{ev.id}")
        new_content = self._mark(content_key(ev))
        return new_id and new_content

    def _forget_match(self, match_id: str) -> None:
        for key in [k for k in self._seen if k.startswith(f"{match_id}|")]:
            del self._seen[key]

    def rebaseline(self) -> None:
        """The next snapshot is a silent baseline again (e.g. after switching servers)."""
        self._baseline_done = False

    # --- input ----------------------------------------------------------------------------

    def connected(self, server_time: datetime | None, now: datetime) -> None:
        """The stream (re)opened; ``server_time`` is the server's clock then (Date header)."""
        self._opened_at = server_time or now

    def on_item(self, item: StreamItem, board: Scoreboard, now: datetime) -> list[Notice]:
        """Notices due now for one stream item, applied to ``board`` already."""
        if isinstance(item, SnapshotItem):
            first = not self._baseline_done
            self._baseline_done = True
            self._current = {m.id for m in item.snapshot.matches}
            for match in item.snapshot.matches:
                for ev in match.events:
                    if notice_kind(ev) and self._remember(ev) and not first:
                        self._consider(ev, match, now, catch_up=True)
            return []
        if isinstance(item, MatchAddedItem):
            self._baseline_done = True  # a resumed stream's history starts from here
            if item.match.id in self._current and not item.match.events:
                # Re-added within the same server run: the server starts it afresh (a looping
                # demo). After a restart the new epoch's snapshot comes first and clears
                # ``_current``, so a replay of the same match stays silent.
                self._forget_match(item.match.id)
            self._current.add(item.match.id)
            for ev in item.match.events:
                if notice_kind(ev):
                    self._remember(ev)
            return []
        ev = item.event
        shown = board.matches.get(ev.match)
        if shown is not None and ev.type == "goal_update":
            self._goal_completed(ev, shown)
            return []
        if shown is None or notice_kind(ev) is None:
            return []
        if not self._remember(ev):
            return []
        return self._consider(ev, shown, now, catch_up=self._is_catch_up(ev, now))

    def _goal_completed(self, update: MatchEvent, match: Match) -> None:
        goal = next((e for e in match.events if e.id == update.updates and e.type == "goal"), None)
        if goal is None:
            return
        self._mark(content_key(goal))  # the goal as it now reads, under any id
        for i, held in enumerate(self._held):
            if held.notice.event_ids == (goal.id,):
                title, body = event_title_body(match, goal)
                notice = replace(
                    held.notice, title=title, body=body, line=summary_line(match, goal)
                )
                self._held[i] = _Held(notice, held.catch_up)

    def _is_catch_up(self, ev: MatchEvent, now: datetime) -> bool:
        if ev.at is None:
            return False
        opened = self._opened_at or now
        return ev.at < opened - timedelta(seconds=self.catchup_tolerance)

    def _consider(
        self, ev: MatchEvent, match: Match, now: datetime, catch_up: bool
    ) -> list[Notice]:
        kind = notice_kind(ev)
        assert kind is not None
        muted = match.id in self.settings.muted_matches
        if ev.type == "full_time":
            self.settings.muted_matches.discard(match.id)  # a match's mute ends with it
        if not self._allowed(kind, match, now) or muted:
            return []
        title, body = event_title_body(match, ev)
        notice = Notice(title, body, kind, match.id, (ev.id,), summary_line(match, ev))
        while self._sent and (now - self._sent[0]).total_seconds() >= self.burst_window:
            self._sent.popleft()
        if catch_up or len(self._sent) >= self.burst_limit or self._held:
            self._held.append(_Held(notice, catch_up))
            self._last_held = now
            return []
        self._sent.append(now)
        return [notice]

    def _muted_all(self, now: datetime) -> bool:
        return self.settings.mute_until is not None and now < self.settings.mute_until

    def _allowed(self, kind: NoticeKind, match: Match, now: datetime) -> bool:
        s = self.settings
        if self._muted_all(now):
            return False
        if s.favourites_only and not (s.is_favourite(match) or s.has_team_choice(match)):
            return False  # a team given kinds of its own is one the user cares about too
        return s.wants(kind, match)

    # --- timer ----------------------------------------------------------------------------

    def tick(self, board: Scoreboard, now: datetime) -> list[Notice]:
        """Due reminders and settled summaries; call every second or so."""
        return self._flush(now) + self.due_reminders(board, now)

    def _flush(self, now: datetime) -> list[Notice]:
        if not self._held or self._last_held is None:
            return []
        if (now - self._last_held).total_seconds() < self.settle:
            return []
        held, self._held = self._held, []
        if self._muted_all(now):
            return []
        self._sent.append(now)
        if len(held) == 1:
            return [held[0].notice]
        notices = [h.notice for h in held]
        matches = {n.match_id for n in notices}
        return [
            Notice(
                summary_title([n.kind for n in notices], any(h.catch_up for h in held)),
                summary_body([n.line or n.title for n in notices]),
                "summary",
                matches.pop() if len(matches) == 1 else None,
                tuple(i for n in notices for i in n.event_ids),
            )
        ]

    def due_reminders(self, board: Scoreboard, now: datetime) -> list[Notice]:
        """Kick-off reminders for favourites' matches, each once per kick-off time."""
        minutes = self.settings.reminder_minutes
        if minutes is None or not self.settings.favourites:
            return []
        out = []
        for match in board.matches.values():
            if match.status != "scheduled" or not self.settings.is_favourite(match):
                continue
            if not match.kickoff - timedelta(minutes=minutes) <= now < match.kickoff:
                continue
            if not self._mark(f"remind|{match.id}|{match.kickoff.isoformat()}"):
                continue
            if match.id in self.settings.muted_matches or self._muted_all(now):
                continue
            left = max(1, round((match.kickoff - now).total_seconds() / 60))
            title = f"Kick-off in {left} min: {fixture(match)}"
            out.append(Notice(title, competition_line(match), "reminder", match.id))
        return out
