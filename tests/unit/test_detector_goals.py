"""Goals as the detector publishes them: scored, completed, corrected, taken back by VAR,
and a score that flickers; driven step by step (tests/support/detector_steps.py)."""

from __future__ import annotations

from server.feeds.providers.detector import absorb
from tests.support.detector_steps import Driven, types
from tests.support.provider_snapshots import goal, snap


def live(score=(0, 0), minute=10, **kw):
    return snap("first_half", score, minute=minute, **kw)


def test_a_goal_with_its_detail_carries_it_all():
    run = Driven(live(incidents=[]))
    scored = [goal("away", 45, "Mbappé", added=3, penalty=True)]
    events = run.poll(live((0, 1), incidents=scored))
    (event,) = [e for e in events if e.type == "goal"]
    assert (event.team, event.player, event.minute, event.added, event.penalty) == (
        "away",
        "Mbappé",
        45,
        3,
        True,
    )
    assert event.own_goal is False


def test_an_added_time_without_its_minute_is_dropped():
    run = Driven(live(incidents=[]))
    events = run.poll(live((1, 0), incidents=[goal("home", None, "Messi", added=2)]))
    (event,) = [e for e in events if e.type == "goal"]
    assert (event.player, event.added) == ("Messi", None)
    assert event.minute == 10  # the clock's


def test_a_goal_without_detail_is_a_plain_goal_for_its_side():
    run = Driven(live())
    (event,) = [e for e in run.poll(live((0, 1))) if e.type == "goal"]
    assert (event.team, event.player, event.penalty, event.own_goal) == ("away", None, False, False)
    assert run.memory.goals[0].key is None and run.memory.goals[0].id == event.id


def test_two_goals_in_one_poll_are_two_goals_in_minute_order():
    run = Driven(live(minute=20, incidents=[]))
    scored = [goal("home", 30, "Di María"), goal("away", 25, "Mbappé")]
    events = run.poll(live((1, 1), minute=31, incidents=scored))
    assert [(e.type, e.player) for e in events if e.type != "clock"] == [
        ("goal", "Mbappé"),
        ("goal", "Di María"),
    ]


def test_a_goal_with_a_minute_comes_before_one_without():
    run = Driven(live(minute=20, incidents=[]))
    scored = [goal("home", None, "Messi"), goal("away", 25, "Mbappé")]
    events = run.poll(live((1, 1), minute=31, incidents=scored))
    assert [e.player for e in events if e.type == "goal"] == ["Mbappé", "Messi"]


def test_the_goal_in_added_time_comes_after_the_one_at_the_minute():
    run = Driven(live(minute=40, incidents=[]))
    scored = [goal("home", 45, "Messi", added=2), goal("away", 45, "Mbappé")]
    events = run.poll(live((1, 1), minute=45, added=3, incidents=scored))
    assert [e.player for e in events if e.type == "goal"] == ["Mbappé", "Messi"]


def test_a_scorer_named_a_poll_later_completes_the_goal_once():
    run = Driven(live(incidents=[]))
    (scored,) = types(run.poll(live((1, 0), minute=11, incidents=[])))
    assert scored == "goal"
    goal_id = run.match.events[-1].id
    named = [goal("home", 11, "Messi", own_goal=True)]
    events = run.poll(live((1, 0), minute=11, incidents=named))
    assert [(e.type, e.updates, e.player, e.own_goal) for e in events] == [
        ("goal_update", goal_id, "Messi", True)
    ]
    assert run.memory.goals[0].key == named[0].key
    assert run.memory.goals[0].detail == named[0].detail()
    assert run.poll(live((1, 0), minute=11, incidents=named)) == []


def test_a_listing_that_says_nothing_more_links_the_goal_without_an_update():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=11, incidents=[]))
    bare = [goal("home", None, None, key="g1")]
    assert run.poll(live((1, 0), minute=11, incidents=bare)) == []
    assert run.memory.goals[0].key == "g1"
    # ... and what it says later completes it.
    events = run.poll(live((1, 0), minute=11, incidents=[goal("home", 11, "Messi", key="g1")]))
    assert [(e.type, e.player, e.minute) for e in events] == [("goal_update", "Messi", 11)]


def test_a_goal_update_with_added_time_but_no_minute_drops_the_added_time():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=11, incidents=[]))
    vague = [goal("home", None, "Messi", added=2, key="g1")]
    (event,) = run.poll(live((1, 0), minute=11, incidents=vague))
    assert (event.type, event.player, event.added) == ("goal_update", "Messi", None)


def test_a_penalty_flag_alone_completes_a_goal():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=11, incidents=[]))
    flagged = [goal("home", None, None, key="g1", penalty=True)]
    (event,) = run.poll(live((1, 0), minute=11, incidents=flagged))
    assert (event.type, event.penalty) == ("goal_update", True)


def test_an_own_goal_flag_alone_completes_a_goal():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=11, incidents=[]))
    flagged = [goal("home", None, None, key="g1", own_goal=True)]
    (event,) = run.poll(live((1, 0), minute=11, incidents=flagged))
    assert (event.type, event.own_goal) == ("goal_update", True)


def test_the_second_goal_is_completed_when_the_first_already_was():
    run = Driven(live(incidents=[]))
    first = goal("home", 5, "Messi", key="g1")
    run.poll(live((1, 0), minute=6, incidents=[first]))
    run.poll(live((2, 0), minute=11, incidents=[first]))
    second = goal("home", 11, "Di María", key="g2")
    events = run.poll(live((2, 0), minute=11, incidents=[first, second]))
    assert [(e.type, e.updates, e.player) for e in events] == [
        ("goal_update", run.memory.goals[1].id, "Di María")
    ]


def test_a_corrected_minute_updates_the_goal_with_its_own_key():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=20, incidents=[goal("home", 19, "Messi", key="g1")]))
    (event,) = run.poll(live((1, 0), minute=21, incidents=[goal("home", 18, "Messi", key="g1")]))
    assert (event.type, event.minute) == ("goal_update", 18)
    assert run.memory.goals[0].detail == ("Messi", 18, None, False, False)


def test_var_takes_back_the_goal_whose_listing_vanished_not_the_latest():
    run = Driven(live(minute=20, incidents=[]))
    first, second = goal("home", 12, "Messi", key="g1"), goal("home", 18, "Di María", key="g2")
    run.poll(live((2, 0), minute=20, incidents=[first, second]))
    first_id = run.memory.goals[0].id
    (event,) = run.poll(live((1, 0), minute=21, incidents=[second]))
    assert (event.type, event.cancels, event.team) == ("goal_disallowed", first_id, "home")
    assert [g.cancelled for g in run.memory.goals] == [True, False]
    assert run.poll(live((1, 0), minute=21, incidents=[second])) == []


def test_two_goals_taken_back_in_one_poll_go_latest_first():
    run = Driven(live(minute=20, incidents=[]))
    first, second = goal("away", 12, "Giroud", key="g1"), goal("away", 18, "Mbappé", key="g2")
    run.poll(live((0, 2), minute=20, incidents=[first, second]))
    ids = [g.id for g in run.memory.goals]
    events = run.poll(live((0, 0), minute=21, incidents=[]))
    assert [(e.type, e.cancels) for e in events] == [
        ("goal_disallowed", ids[1]),
        ("goal_disallowed", ids[0]),
    ]
    assert str(run.match.score) == "0–0"


def test_a_fall_needs_a_second_poll_and_a_recovery_forgets_it():
    run = Driven(live())
    run.poll(live((0, 1), minute=11))
    assert run.poll(live((0, 0), minute=12)) == []
    assert run.memory.falls == {"away": run.polls}
    assert run.poll(live((0, 1), minute=12)) == [] and run.memory.falls == {}
    # Lower again: counted from this poll, not the first one.
    assert run.poll(live((0, 0), minute=12)) == []
    (event,) = run.poll(live((0, 0), minute=12))
    assert event.type == "goal_disallowed" and event.team == "away"
    assert run.memory.falls == {} and str(run.match.score) == "0–0"


def test_a_score_lower_on_one_side_only_takes_back_that_sides_goal():
    run = Driven(live())
    run.poll(live((1, 1), minute=11))
    run.poll(live((1, 0), minute=12))
    assert run.memory.falls == {"away": run.polls}
    (event,) = run.poll(live((1, 0), minute=13))
    assert (event.type, event.team, str(run.match.score)) == ("goal_disallowed", "away", "1–0")


def test_a_goal_without_a_listing_is_taken_back_after_two_polls_even_with_a_list():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=11, incidents=[]))
    assert run.poll(live((0, 0), minute=12, incidents=[])) == []
    assert types(run.poll(live((0, 0), minute=13, incidents=[]))) == ["goal_disallowed"]


def test_a_fall_the_same_poll_sees_twice_is_still_one_poll():
    run = Driven(live())
    run.poll(live((1, 0), minute=11))
    lower = live((0, 0), minute=12)
    assert run.poll(lower) == []
    run.polls -= 1  # the same poll again (the match listed twice)
    assert run.poll(lower) == []
    assert run.memory.falls == {"home": run.polls}


def test_taking_in_a_lower_score_takes_back_at_once():
    run = Driven(live())
    run.poll(live((2, 0), minute=11))
    match, memory, _ = absorb(live((1, 0), minute=12), run.match, run.memory)
    assert str(match.score) == "1–0"
    assert [e.type for e in match.events].count("goal_disallowed") == 1
    assert [g.cancelled for g in memory.goals] == [False, True]


def test_a_result_corrected_after_full_time_is_taken_in_silently():
    run = Driven(snap("full_time", (1, 0)))
    assert run.memory.goals[0].id is None  # known only as a number
    assert run.poll(snap("full_time", (0, 0))) == []
    assert run.poll(snap("full_time", (0, 0))) == []
    assert run.absorbed == ["a goal taken in silently was taken back"]
    assert str(run.match.score) == "0–0" and run.memory.goals[0].cancelled


def test_a_second_goal_after_one_taken_back_is_a_new_goal():
    run = Driven(live(incidents=[]))
    run.poll(live((1, 0), minute=11, incidents=[goal("home", 11, "Messi", key="g1")]))
    run.poll(live((0, 0), minute=12, incidents=[]))
    events = run.poll(live((1, 0), minute=14, incidents=[goal("home", 14, "Messi", key="g2")]))
    assert [(e.type, e.minute) for e in events if e.type != "clock"] == [("goal", 14)]
    assert [g.cancelled for g in run.memory.goals] == [True, False]
