"""desktop.core.notify_rules: which events notify, worded how, and never twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import get_args

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, StreamItem, apply_item
from desktop.core.notify_rules import Notice, NoticeRules, notice_kind
from desktop.core.notify_settings import EVENT_KINDS, EVENT_NOTICES, NoticeKind, NoticeSettings
from desktop.core.notify_text import summary_title
from desktop.core.state import Scoreboard
from server.core.match_state import apply_event
from server.wire import EventIn, Match, MatchEvent, Snapshot, Team

T0 = datetime(2026, 6, 11, 19, 0, tzinfo=UTC)


def make_match(match_id: str = "m", home: str = "Arsenal", away: str = "Chelsea") -> Match:
    return Match(
        id=match_id,
        competition="Premier League",
        home=Team(name=home),
        away=Team(name=away),
        kickoff=T0,
    )


class World:
    """A server-like source of events (server.core.match_state) feeding a board and the rules."""

    def __init__(self, rules: NoticeRules | None = None, epoch: str = "A") -> None:
        self.rules = rules or NoticeRules()
        self.board = Scoreboard()
        self.server: dict[str, Match] = {}
        self.epoch, self.seq = epoch, 0
        self.now = T0

    def add(self, match: Match) -> Match:
        self.server[match.id] = match.model_copy(deep=True)
        return self.server[match.id]

    def make(self, match_id: str, type: str, at: datetime | None = None, **kw) -> MatchEvent:
        self.seq += 1
        ev = apply_event(
            self.server[match_id], EventIn(type=type, **kw), f"{self.epoch}-{self.seq}"
        )
        ev.at = at or self.now
        return ev

    def feed(self, item: StreamItem) -> list[Notice]:
        apply_item(self.board, item)
        return self.rules.on_item(item, self.board, self.now)

    def snapshot(self) -> list[Notice]:
        snap = Snapshot(matches=[m.model_copy(deep=True) for m in self.server.values()])
        return self.feed(SnapshotItem(snap, f"{self.epoch}-{self.seq}"))

    def live(self, match_id: str, type: str, **kw) -> list[Notice]:
        return self.feed(EventItem(self.make(match_id, type, **kw), None))

    def tick(self, seconds: float = 0) -> list[Notice]:
        self.now += timedelta(seconds=seconds)
        return self.rules.tick(self.board, self.now)


def started(rules: NoticeRules | None = None, *matches: Match) -> World:
    """A world with its matches kicked off before the viewer's first snapshot."""
    w = World(rules)
    for m in matches or (make_match(),):
        w.add(m)
        w.make(m.id, "kickoff")
    w.snapshot()
    w.rules.connected(w.now, w.now)
    return w


def test_goal_notice_title_and_body() -> None:
    w = started()
    [n] = w.live("m", "goal", minute=67, team="home", player="Saka")
    assert (n.title, n.body, n.kind, n.match_id) == (
        "GOAL! Arsenal 1–0 Chelsea",
        "67' Saka",
        "goal",
        "m",
    )
    [n] = w.live("m", "goal", minute=90, added=3, team="away", player="Palmer", penalty=True)
    assert (n.title, n.body) == ("GOAL! Arsenal 1–1 Chelsea", "90+3' Palmer (pen)")
    [n] = w.live("m", "goal", minute=91, team="home", player="Colwill", own_goal=True)
    assert n.body == "91' Colwill (og)"


def test_disallowed_goal_says_so_and_follows_goal_setting() -> None:
    w = started()
    w.live("m", "goal", minute=10, team="home", player="Saka")
    [n] = w.live("m", "goal_disallowed", minute=12, team="home")
    assert n.title == "Goal disallowed (VAR): Arsenal 0–0 Chelsea"  # "...after review"
    assert n.body == "12' Saka, Arsenal"
    w.rules.settings.kinds = {"full_time"}
    w.live("m", "goal", minute=20, team="home", player="Saka")
    assert w.live("m", "goal_disallowed", minute=21, team="home") == []


def test_a_disallowed_goal_says_why_who_and_for_whom() -> None:
    w = started(None, make_match("m", "Arsenal", "Manchester City"))
    w.live("m", "goal", minute=52, team="away", player="R. Ferreira")
    text = "VAR: Manchester City's goal is ruled out for offside in the build-up"
    [n] = w.live("m", "goal_disallowed", minute=54, team="away", text=text)
    assert (n.title, n.body) == (
        "Goal disallowed (VAR: offside): Arsenal 0–0 Manchester City",
        "54' R. Ferreira, Manchester City",
    )


def test_a_long_summary_lists_a_few_then_says_how_many_more() -> None:
    w = started()
    missed_at = w.now + timedelta(minutes=1)
    missed = [
        w.make("m", "goal", at=missed_at, minute=10 + i, team="home", player=f"P{i}")
        for i in range(7)
    ]
    w.now += timedelta(minutes=10)
    w.rules.connected(w.now, w.now)
    for ev in missed:
        w.feed(EventItem(ev, ev.id))
    [n] = w.tick(2)
    assert n.body.splitlines() == [
        "Arsenal 1–0 Chelsea: 10' P0",
        "Arsenal 2–0 Chelsea: 11' P1",
        "Arsenal 3–0 Chelsea: 12' P2",
        "Arsenal 4–0 Chelsea: 13' P3",
        "and 3 more",
    ]


def test_kinds_off_by_default_notify_once_switched_on() -> None:
    w = started()
    assert w.live("m", "card", minute=30, team="away", player="Caicedo", card="red") == []
    assert w.live("m", "half_time") == []
    w.rules.settings.kinds = {"goal", "red_card", "half_time", "full_time"}
    assert w.live("m", "card", minute=31, team="home", player="Rice", card="yellow") == []
    [red] = w.live("m", "card", minute=40, team="home", player="Rice", card="second_yellow")
    assert (red.title, red.body) == (
        "Red card: Arsenal 0–0 Chelsea",
        "40' Rice, Arsenal (second yellow)",  # one pair of brackets, not one in another
    )


def test_favourites_only_ignores_other_matches() -> None:
    rules = NoticeRules(NoticeSettings(favourites_only=True, favourites={"chelsea"}))
    w = started(rules, make_match("a"), make_match("b", "Spurs", "Fulham"))
    assert w.live("b", "goal", minute=5, team="home", player="Son") == []
    [n] = w.live("a", "goal", minute=6, team="away", player="Palmer")
    assert n.match_id == "a"


def test_first_snapshot_is_silent_even_with_goals_in_it() -> None:
    w = World()
    w.add(make_match())
    w.make("m", "kickoff")
    w.make("m", "goal", minute=5, team="home", player="Saka")
    assert w.snapshot() == []
    w.rules.connected(w.now, w.now)
    assert w.tick(5) == []


def test_same_event_twice_notifies_once() -> None:
    w = started()
    ev = w.make("m", "goal", minute=5, team="home", player="Saka")
    assert len(w.feed(EventItem(ev, ev.id))) == 1
    assert w.feed(EventItem(ev, ev.id)) == []


def test_restarted_server_replay_with_new_ids_is_not_notified_again() -> None:
    w = started()
    assert len(w.live("m", "goal", minute=5, team="home", player="Saka")) == 1
    # The server restarts in memory (epoch B): empty snapshot, then the match is replayed.
    w.server.clear()
    w.epoch, w.seq = "B", 0
    w.snapshot()
    w.rules.connected(w.now, w.now)
    w.feed(MatchAddedItem(w.add(make_match()).model_copy(deep=True), "B-1"))
    assert w.live("m", "kickoff") == []  # kick-offs are off by default anyway
    assert w.live("m", "goal", minute=5, team="home", player="Saka") == []  # same content
    [n] = w.live("m", "goal", minute=9, team="home", player="Saka")
    assert n.title == "GOAL! Arsenal 2–0 Chelsea"


def test_seen_memory_survives_a_viewer_restart_through_json() -> None:
    w = started()
    goal = w.make("m", "goal", minute=5, team="home", player="Saka")
    assert w.feed(EventItem(goal, goal.id))
    saved = json.dumps(w.rules.export_seen())
    # A new viewer resumes with a stale Last-Event-ID and is sent the goal again.
    fresh = World(NoticeRules(seen=json.loads(saved)))
    fresh.server = w.server
    fresh.feed(MatchAddedItem(make_match(), None))
    assert fresh.feed(EventItem(goal, goal.id)) == []


def test_seen_memory_is_bounded_oldest_first() -> None:
    rules = NoticeRules(seen=[f"k{i}" for i in range(10)], max_seen=4)
    assert rules.export_seen() == ["k6", "k7", "k8", "k9"]


def test_looping_server_restarting_a_match_notifies_its_goals_again() -> None:
    w = started()
    assert w.live("m", "goal", minute=5, team="home", player="Saka")
    # Same server run, the demo loops: match_added resets the match, the goal happens again.
    w.feed(MatchAddedItem(w.add(make_match()).model_copy(deep=True), None))
    w.live("m", "kickoff")
    [n] = w.live("m", "goal", minute=5, team="home", player="Saka")
    assert n.title == "GOAL! Arsenal 1–0 Chelsea"


def test_catch_up_after_resume_gives_one_summary() -> None:
    w = started(None, make_match("a"), make_match("b", "Spurs", "Fulham"))
    # Offline for ten minutes; on resume the server replays what we missed.
    missed_at = w.now + timedelta(minutes=2)
    missed = [
        w.make("a", "goal", at=missed_at, minute=20, team="home", player="Saka"),
        w.make("b", "goal", at=missed_at, minute=21, team="away", player="Jimenez"),
        w.make("a", "goal", at=missed_at, minute=25, team="home", player="Odegaard"),
    ]
    w.now += timedelta(minutes=10)
    w.rules.connected(w.now, w.now)
    assert [w.feed(EventItem(ev, ev.id)) for ev in missed] == [[], [], []]
    assert w.tick(0.2) == []  # still arriving
    [n] = w.tick(1.0)
    assert (n.kind, n.title, n.match_id) == ("summary", "3 goals while you were offline", None)
    assert n.body.splitlines() == [  # each goal with its minute and scorer
        "Arsenal 1–0 Chelsea: 20' Saka",
        "Spurs 0–1 Fulham: 21' Jimenez",
        "Arsenal 2–0 Chelsea: 25' Odegaard",
    ]
    assert n.event_ids == tuple(ev.id for ev in missed)
    assert w.tick(5) == []


def test_catch_up_is_judged_on_the_server_clock_not_the_viewers() -> None:
    w = started()
    skew = timedelta(hours=3)  # the viewer's clock is three hours fast
    w.rules.connected(w.now, w.now + skew)
    [n] = w.feed(EventItem(w.make("m", "goal", minute=5, team="home", player="Saka"), None))
    assert n.kind == "goal"  # published after the stream opened: live, not catch-up
    w.rules.connected(w.now + timedelta(minutes=1), w.now + skew)
    late = w.make("m", "goal", minute=6, team="home", player="Saka")  # published before
    assert w.feed(EventItem(late, None)) == []
    assert w.tick(2)[0].title == "GOAL! Arsenal 2–0 Chelsea"  # a lone held notice is itself


def test_snapshot_after_failed_resume_summarises_what_was_missed() -> None:
    w = started()
    w.make("m", "goal", minute=30, team="home", player="Saka")
    w.make("m", "goal", minute=35, team="away", player="Palmer")
    assert w.snapshot() == []
    [n] = w.tick(2)
    assert n.title == "2 goals while you were offline"
    assert n.match_id == "m"


def test_more_than_burst_limit_live_notices_are_summarised() -> None:
    rules = NoticeRules(burst_limit=2, burst_window=10)
    w = started(rules, *(make_match(f"m{i}", f"Home{i}", f"Away{i}") for i in range(4)))
    shown = [w.live(f"m{i}", "goal", minute=10, team="home", player="X") for i in range(4)]
    assert [len(s) for s in shown] == [1, 1, 0, 0]
    [n] = w.tick(1)
    assert n.title == "2 goals just now"
    w.now += timedelta(seconds=11)
    assert len(w.live("m0", "goal", minute=20, team="home", player="X")) == 1


def test_mute_all_until_a_time() -> None:
    w = started()
    w.rules.settings.mute_until = w.now + timedelta(minutes=30)
    assert w.live("m", "goal", minute=5, team="home", player="Saka") == []
    w.now += timedelta(minutes=31)
    assert len(w.live("m", "goal", minute=40, team="home", player="Saka")) == 1


def test_muted_match_stays_quiet_until_its_full_time() -> None:
    rules = NoticeRules(NoticeSettings(kinds={"goal", "full_time"}, muted_matches={"m"}))
    w = started(rules, make_match("m"), make_match("o", "Spurs", "Fulham"))
    assert w.live("m", "goal", minute=5, team="home", player="Saka") == []
    assert len(w.live("o", "goal", minute=5, team="home", player="Son")) == 1
    assert w.live("m", "full_time") == []
    assert rules.settings.muted_matches == set()


def test_kickoff_reminder_for_favourites_once() -> None:
    settings = NoticeSettings(favourites={"Arsenal"}, reminder_minutes=15)
    w = World(NoticeRules(settings))
    w.add(make_match("fav"))
    w.add(make_match("other", "Spurs", "Fulham"))
    w.snapshot()
    w.now = T0 - timedelta(minutes=20)
    assert w.tick() == []
    w.now = T0 - timedelta(minutes=14, seconds=50)
    [n] = w.tick()
    assert (n.kind, n.title, n.match_id) == (
        "reminder",
        "Kick-off in 15 min: Arsenal v Chelsea",
        "fav",
    )
    assert w.tick(30) == []
    # Remembered across a viewer restart too.
    again = World(NoticeRules(settings, seen=w.rules.export_seen()))
    again.add(make_match("fav"))
    again.snapshot()
    again.now = w.now
    assert again.tick() == []


def test_settings_round_trip_through_json_and_tolerate_garbage() -> None:
    s = NoticeSettings(
        kinds={"goal", "red_card"},
        favourites_only=True,
        favourites={"Arsenal"},
        mute_until=T0,
        muted_matches={"m"},
        reminder_minutes=10,
    )
    assert NoticeSettings.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    broken = NoticeSettings.from_dict({"kinds": ["goal", "nonsense"], "mute_until": "soon"})
    assert broken.kinds == {"goal"} and broken.mute_until is None


def test_full_time_after_shootout_names_the_winner() -> None:
    w = started(NoticeRules(NoticeSettings(kinds={"full_time"})))
    w.live("m", "extra_time", minute=91)
    w.live("m", "penalty_shootout", team="home", scored=False)
    w.live("m", "penalty_shootout", team="away", scored=True)
    [n] = w.live("m", "full_time")
    assert (n.title, n.body) == ("Full time: Arsenal 0–0 Chelsea", "Chelsea win 1–0 on pens")


def test_the_notice_table_names_every_event_notice_once() -> None:
    # One table (notify_settings.EVENT_NOTICES): the kinds a user switches on, their labels
    # and their nouns in summaries all come from it.
    notice_kinds = set(get_args(NoticeKind))
    assert set(EVENT_NOTICES) <= notice_kinds
    assert tuple(k for k, n in EVENT_NOTICES.items() if n.follows is None) == EVENT_KINDS
    for kind, notice in EVENT_NOTICES.items():
        assert notice.one and notice.many
        if notice.follows is None:
            assert "&" in notice.label, kind  # a box with a keyboard shortcut
        else:
            assert notice.follows in EVENT_KINDS and not notice.label


def test_every_event_that_notifies_gives_a_kind_of_the_table() -> None:
    match = make_match()
    kinds = {}
    for type_, extra in [
        ("kickoff", {}),
        ("goal", {"team": "home"}),
        ("goal_disallowed", {"team": "home"}),
        ("card", {"team": "home", "card": "yellow"}),
        ("card", {"team": "home", "card": "red"}),
        ("substitution", {"team": "home", "player_in": "In", "player_out": "Out"}),
        ("clock", {"minute": 30}),
        ("half_time", {}),
        ("second_half", {}),
        ("full_time", {}),
    ]:
        ev = apply_event(match, EventIn(type=type_, **extra), f"e-{len(kinds)}")
        kinds[type_, extra.get("card")] = notice_kind(ev)
    assert set(kinds.values()) - {None} == set(EVENT_NOTICES)
    assert kinds["card", "yellow"] is kinds["substitution", None] is kinds["clock", None] is None


def test_summaries_count_each_kind_with_its_noun_in_table_order() -> None:
    kinds = ["red_card", "goal", "goal", "goal_disallowed", "reminder"]
    assert summary_title(kinds, catch_up=False) == (
        "2 goals, 1 disallowed goal, 1 red card just now"
    )


def test_a_scorer_that_comes_later_is_no_second_goal_notice() -> None:
    w = started()
    [n] = w.live("m", "goal", team="home")  # the score rose; the provider has no scorer yet
    assert (n.title, n.body) == ("GOAL! Arsenal 1–0 Chelsea", "0' Arsenal")
    assert w.live("m", "goal_update", updates=n.event_ids[0], player="Saka", minute=67) == []
    assert w.board.matches["m"].events[-1].player == "Saka"  # the timeline has the scorer
    assert w.tick(5) == []


def test_a_held_goal_notice_carries_the_scorer_that_came_before_it_was_shown() -> None:
    w = started(NoticeRules(burst_limit=1))
    w.live("m", "goal", minute=3, team="away", player="Palmer")  # shown; the next one waits
    assert w.live("m", "goal", team="home") == []
    held = w.board.matches["m"].events[-1].id
    assert w.live("m", "goal_update", updates=held, player="Saka", minute=10, penalty=True) == []
    [summary] = w.tick(5)
    assert summary.event_ids == (held,)
    assert (summary.title, summary.body) == ("GOAL! Arsenal 1–1 Chelsea", "10' Saka (pen)")


def test_a_goal_completed_while_held_in_a_catch_up_summary_shows_its_scorer_there() -> None:
    w = started()
    missed_at = w.now + timedelta(minutes=1)
    # The provider had no scorers yet.
    missed = [w.make("m", "goal", at=missed_at, team=team) for team in ("home", "away")]
    w.now += timedelta(minutes=10)
    w.rules.connected(w.now, w.now)
    for ev in missed:
        w.feed(EventItem(ev, ev.id))
    w.live("m", "goal_update", updates=missed[0].id, player="Saka", minute=10)
    w.live("m", "goal_update", updates=missed[1].id, player="Palmer", minute=12, penalty=True)
    [n] = w.tick(2)
    assert (n.title, n.body.splitlines()) == (
        "2 goals while you were offline",  # the updates came live: the goals are still missed
        ["Arsenal 1–0 Chelsea: 10' Saka", "Arsenal 1–1 Chelsea: 12' Palmer (pen)"],
    )


def test_an_update_of_a_goal_the_board_never_had_is_ignored() -> None:
    w = started()
    [n] = w.live("m", "goal", team="home")
    update = w.make("m", "goal_update", updates=n.event_ids[0], player="Saka")
    stray = update.model_copy(update={"id": "A-99", "updates": "A-0"})
    assert w.feed(EventItem(stray, None)) == []
    assert w.tick(5) == []


def test_a_restarted_server_replaying_the_completed_goal_stays_silent() -> None:
    w = started()
    [n] = w.live("m", "goal", team="home")
    w.live("m", "goal_update", updates=n.event_ids[0], player="Saka", minute=67)
    # The server restarts in memory and replays the goal as it now reads, under a new id.
    w.server.clear()
    w.epoch, w.seq = "B", 0
    w.snapshot()
    w.rules.connected(w.now, w.now)
    w.feed(MatchAddedItem(w.add(make_match()).model_copy(deep=True), "B-1"))
    w.live("m", "kickoff")
    assert w.live("m", "goal", minute=67, team="home", player="Saka") == []


def test_a_team_or_a_competition_can_have_kinds_of_its_own() -> None:
    pl, liga = make_match("pl"), make_match("liga", "Betis", "Sevilla")
    liga.competition = "La Liga"
    w = started(None, pl, liga, make_match("other", "Spurs", "Fulham"))
    s = w.rules.settings  # goals only, in general
    s.set_own_kinds("team", "ARSENAL", {"goal", "red_card", "kickoff"})  # names: any case
    s.set_own_kinds("competition", "La Liga", set())  # nothing at all from La Liga

    assert w.live("liga", "goal", minute=3, team="home", player="Isco") == []
    [red] = w.live("pl", "card", minute=4, team="away", player="Caicedo", card="red")
    assert red.kind == "red_card"  # Arsenal's own kinds include red cards...
    assert w.live("other", "card", minute=5, team="home", player="Romero", card="red") == []
    [goal] = w.live("other", "goal", minute=6, team="home", player="Son")  # ...the rest: goals
    assert goal.kind == "goal"

    s.favourites_only = True  # a team with kinds of its own counts as one the user follows
    [again] = w.live("pl", "goal", minute=7, team="home", player="Saka")
    assert again.kind == "goal"
    assert w.live("other", "goal", minute=8, team="home", player="Son") == []

    saved = NoticeSettings.from_dict(json.loads(json.dumps(s.to_dict())))
    assert saved.own_kinds("team", "Arsenal") == {"goal", "red_card", "kickoff"}
    assert saved.own_kinds("competition", "la liga") == set()
    saved.set_own_kinds("team", "Arsenal", None)
    assert saved.own_kinds("team", "Arsenal") is None
    assert saved.kinds_for(pl) == {"goal"}
