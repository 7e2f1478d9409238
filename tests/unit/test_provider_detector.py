"""The event detector: successive provider snapshots become the wire's events, once, through a
real broker (server.feeds.providers.poller.Follower driving server.core.broker.Broker)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from server.feeds.providers.base import TeamRef
from server.store.sqlite import SqliteStore
from tests.support.provider_snapshots import (
    AWAY,
    KICKOFF,
    Following,
    card,
    goal,
    kick,
    kinds,
    snap,
    sub,
)


async def test_first_sight_of_a_match_in_progress_is_one_silent_match_added():
    run = Following()
    incidents = [goal("home", 23, "Lionel Messi", penalty=True), card("away", 30, "Rabiot")]
    frames = await run.poll(snap("first_half", (1, 0), minute=34, incidents=incidents))
    assert kinds(frames) == ["match_added"]
    added = frames[0].data
    assert (added["status"], added["minute"], added["score"]) == (
        "live",
        34,
        {"home": 1, "away": 0},
    )
    timeline = [(e["type"], e.get("player")) for e in added["events"]]
    assert timeline == [("kickoff", None), ("goal", "Lionel Messi"), ("card", "Rabiot")]
    assert all(e["at"] is None for e in added["events"])  # never published live
    # The next poll with nothing new publishes nothing but the clock.
    frames = await run.poll(snap("first_half", (1, 0), minute=35, incidents=incidents))
    assert kinds(frames, clock=True) == ["clock"]


async def test_first_sight_without_details_takes_the_score_as_it_is():
    run = Following()
    frames = await run.poll(snap("second_half", (2, 1), minute=60))
    assert kinds(frames) == ["match_added"]
    match = run.match()
    assert (match.status, str(match.score)) == ("live", "2–1")
    # A goal later is one goal on top of that score.
    frames = await run.poll(snap("second_half", (3, 1), minute=62))
    assert kinds(frames) == ["goal"]
    assert frames[0].data["score"] == {"home": 3, "away": 1}


async def test_a_whole_match_in_order_with_goals_cards_and_substitutions():
    run = Following()
    assert kinds(await run.poll(snap())) == ["match_added"]
    assert kinds(await run.poll(snap("first_half", (0, 0), minute=1, incidents=[]))) == ["kickoff"]
    first = [goal("home", 23, "Lionel Messi", penalty=True), card("away", 30, "Rabiot")]
    frames = await run.poll(snap("first_half", (1, 0), minute=31, incidents=first))
    assert kinds(frames) == ["goal", "card"]
    assert frames[0].data["player"] == "Lionel Messi" and frames[0].data["penalty"] is True
    second = [*first, goal("home", 36, "Ángel Di María")]
    frames = await run.poll(snap("half_time", (2, 0), incidents=second))
    assert kinds(frames) == ["goal", "half_time"]  # the goal came before the whistle
    third = [*second, sub("away", 41, "Marcus Thuram", "Olivier Giroud")]
    frames = await run.poll(snap("second_half", (2, 0), minute=47, incidents=third))
    # Listed late, placed by its minute: the 41st, before the second half began.
    assert kinds(frames) == ["substitution", "second_half"]
    assert frames[0].data["player_in"] == "Marcus Thuram"
    frames = await run.poll(snap("full_time", (2, 0), incidents=third))
    assert kinds(frames) == ["full_time"]
    assert run.match().status == "full_time"
    assert kinds(await run.poll(snap("full_time", (2, 0), incidents=third))) == []


async def test_a_goal_without_its_scorer_is_published_at_once_and_completed_later():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=20, incidents=[]))
    frames = await run.poll(snap("first_half", (1, 0), minute=23, incidents=[]))
    assert kinds(frames) == ["goal"]
    goal_id = frames[0].data["id"]
    assert frames[0].data["player"] is None
    late = [goal("home", 23, "Lionel Messi", penalty=True)]
    frames = await run.poll(snap("first_half", (1, 0), minute=24, incidents=late))
    assert kinds(frames) == ["goal_update"]
    update = frames[0].data
    assert (update["updates"], update["player"], update["minute"], update["penalty"]) == (
        goal_id,
        "Lionel Messi",
        23,
        True,
    )
    assert update["score"] == {"home": 1, "away": 0}
    # The timeline's goal is rewritten in place: still one goal, now with its scorer.
    goals = [e for e in run.match().events if e.type == "goal"]
    assert [(g.id, g.player, g.minute) for g in goals] == [(goal_id, "Lionel Messi", 23)]
    assert kinds(await run.poll(snap("first_half", (1, 0), minute=24, incidents=late))) == []


async def test_a_corrected_scorer_updates_the_same_goal():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=20, incidents=[]))
    first = [goal("away", 21, "Giroud", key="g1")]
    goal_id = (await run.poll(snap("first_half", (0, 1), minute=22, incidents=first)))[0].data["id"]
    fixed = [goal("away", 21, "Upamecano", key="g1", own_goal=True)]
    frames = await run.poll(snap("first_half", (0, 1), minute=23, incidents=fixed))
    assert kinds(frames) == ["goal_update"]
    assert (frames[0].data["updates"], frames[0].data["own_goal"]) == (goal_id, True)


async def test_var_reversal_with_the_goal_gone_from_the_list_disallows_that_goal():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=10, incidents=[]))
    scored = [goal("home", 12, "Vinícius Júnior", key="g12")]
    goal_id = (await run.poll(snap("first_half", (1, 0), minute=12, incidents=scored)))[0].data[
        "id"
    ]
    frames = await run.poll(snap("first_half", (0, 0), minute=14, incidents=[]))
    assert kinds(frames) == ["goal_disallowed"]
    assert (frames[0].data["cancels"], frames[0].data["score"]) == (goal_id, {"home": 0, "away": 0})
    assert kinds(await run.poll(snap("first_half", (0, 0), minute=15, incidents=[]))) == []


async def test_a_score_that_flickers_down_and_up_is_not_a_goal_twice():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=10))
    assert kinds(await run.poll(snap("first_half", (1, 0), minute=11))) == ["goal"]
    # Without a goal list, one poll lower is not enough to take a goal back...
    assert kinds(await run.poll(snap("first_half", (0, 0), minute=12))) == []
    assert kinds(await run.poll(snap("first_half", (1, 0), minute=13))) == []
    assert str(run.match().score) == "1–0"
    # ...two in a row are.
    await run.poll(snap("first_half", (0, 0), minute=14))
    frames = await run.poll(snap("first_half", (0, 0), minute=15))
    assert kinds(frames) == ["goal_disallowed"]


async def test_a_score_that_falls_while_its_goal_is_still_listed_is_kept(caplog):
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=10, incidents=[]))
    scored = [goal("home", 12, "Messi", key="g12")]
    await run.poll(snap("first_half", (1, 0), minute=12, incidents=scored))
    with caplog.at_level(logging.WARNING):
        for minute in (13, 14):
            assert (
                kinds(await run.poll(snap("first_half", (0, 0), minute=minute, incidents=scored)))
                == []
            )
    assert str(run.match().score) == "1–0"
    assert caplog.text.count("still listed") == 1  # logged once


async def test_goals_and_whistles_in_match_order_when_one_poll_covers_both():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=40, incidents=[]))
    late = [goal("away", 45, "Mbappé", added=2)]
    frames = await run.poll(snap("half_time", (0, 1), incidents=late))
    assert kinds(frames) == ["goal", "half_time"]
    assert (frames[0].data["minute"], frames[0].data["added"]) == (45, 2)
    early = [*late, goal("away", 47, "Mbappé")]
    frames = await run.poll(snap("second_half", (0, 2), minute=48, incidents=early))
    assert kinds(frames) == ["second_half", "goal"]


async def test_extra_time_and_a_shootout_kick_by_kick():
    run = Following()
    await run.poll(snap("second_half", (2, 2), minute=85))
    frames = await run.poll(snap("extra_time_first", (2, 2), minute=93, extra_time=True))
    assert kinds(frames) == ["extra_time"]
    assert kinds(await run.poll(snap("extra_time_break", (2, 2), extra_time=True))) == ["half_time"]
    frames = await run.poll(snap("extra_time_second", (3, 2), minute=108, extra_time=True))
    assert kinds(frames) == ["second_half", "goal"]
    assert frames[0].data["status"] == "extra_time"
    await run.poll(snap("extra_time_second", (3, 3), minute=118, extra_time=True))
    kicks = [kick("away", 1, "Mbappé", True), kick("home", 1, "Messi", True)]
    frames = await run.poll(
        snap("penalties", (3, 3), incidents=kicks, penalties=(1, 1), extra_time=True)
    )
    assert kinds(frames) == ["penalty_shootout", "penalty_shootout"]
    assert frames[-1].data["penalties"] == {"home": 1, "away": 1}
    kicks += [kick("away", 2, "Coman", False), kick("home", 2, "Dybala", True)]
    frames = await run.poll(
        snap("full_time", (3, 3), incidents=kicks, penalties=(2, 1), extra_time=True)
    )
    assert kinds(frames) == ["penalty_shootout", "penalty_shootout", "full_time"]
    assert [f.data["scored"] for f in frames[:2]] == [False, True]
    match = run.match()
    assert (match.status, str(match.score), str(match.penalties)) == ("full_time", "3–3", "2–1")


async def test_a_shootout_known_only_by_its_totals():
    run = Following()
    await run.poll(snap("extra_time_second", (1, 1), minute=119, extra_time=True))
    assert kinds(await run.poll(snap("penalties", (1, 1), extra_time=True))) == []  # no kick yet
    frames = await run.poll(snap("penalties", (1, 1), penalties=(2, 1), extra_time=True))
    assert kinds(frames) == ["penalty_shootout"]
    frames = await run.poll(snap("full_time", (1, 1), penalties=(4, 2), extra_time=True))
    assert kinds(frames) == ["penalty_shootout", "full_time"]
    assert frames[-1].data["penalties"] == {"home": 4, "away": 2}


async def test_halves_without_a_minute_follow_what_was_seen():
    run = Following()
    await run.poll(snap())
    assert kinds(await run.poll(snap("in_play", (0, 0)))) == ["kickoff"]
    assert kinds(await run.poll(snap("in_play", (0, 0)))) == []
    assert kinds(await run.poll(snap("paused", (0, 0)))) == ["half_time"]
    assert kinds(await run.poll(snap("in_play", (1, 0)))) == ["second_half", "goal"]
    assert kinds(await run.poll(snap("paused", (1, 0)))) == []  # the break before extra time
    assert kinds(await run.poll(snap("in_play", (1, 0), extra_time=True))) == ["extra_time"]
    assert kinds(await run.poll(snap("full_time", (1, 0), extra_time=True))) == ["full_time"]


async def test_a_phase_that_goes_back_is_held():
    run = Following()
    await run.poll(snap("second_half", (0, 0), minute=50))
    assert kinds(await run.poll(snap("first_half", (0, 0), minute=44))) == []
    assert run.match().status == "live"


async def test_a_match_postponed_before_kickoff_stays_scheduled_and_says_so():
    run = Following()
    await run.poll(snap())
    frames = await run.poll(snap("postponed"))
    assert kinds(frames) == ["match_added"]
    assert (frames[0].data["status"], frames[0].data["round"]) == ("scheduled", "Final · postponed")
    assert kinds(await run.poll(snap("postponed"))) == []
    # Back on the schedule for another day: the round says nothing more, the kick-off moves.
    later = KICKOFF + timedelta(days=3)
    frames = await run.poll(snap(kickoff=later))
    assert kinds(frames) == ["match_added"]
    assert (frames[0].data["round"], frames[0].data["kickoff"]) == ("Final", "2022-12-21T15:00:00Z")


async def test_an_abandoned_match_ends_saying_why():
    run = Following()
    await run.poll(snap("second_half", (1, 0), minute=70))
    frames = await run.poll(snap("abandoned", (1, 0)))
    assert kinds(frames) == ["full_time"]
    assert frames[0].data["text"] == "Abandoned, Argentina 1–0 France"


async def test_a_suspended_match_holds_then_goes_on():
    run = Following()
    await run.poll(snap("second_half", (1, 0), minute=70))
    assert kinds(await run.poll(snap("suspended", (1, 0)))) == []
    assert run.match().status == "live"
    assert kinds(await run.poll(snap("second_half", (2, 0), minute=72))) == ["goal"]


async def test_a_goal_after_full_time_is_taken_in_silently_with_the_right_score():
    run = Following()
    await run.poll(snap("second_half", (1, 0), minute=88))
    await run.poll(snap("full_time", (1, 0)))
    frames = await run.poll(snap("full_time", (2, 0)))
    assert kinds(frames) == ["match_added"]
    assert str(run.match().score) == "2–0" and run.match().status == "full_time"


async def test_own_goals_count_for_the_side_whose_score_rises():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=5, incidents=[]))
    own = [goal("home", 6, "Lloris", own_goal=True)]
    frames = await run.poll(snap("first_half", (1, 0), minute=7, incidents=own))
    assert frames[0].data["team"] == "home" and frames[0].data["own_goal"] is True


async def test_cards_and_substitutions_once_and_a_substitution_without_names_skipped():
    run = Following()
    await run.poll(snap("second_half", (0, 0), minute=50, incidents=[]))
    listed = [card("home", 52, "Otamendi"), sub("away", 55, None, "Giroud")]
    frames = await run.poll(snap("second_half", (0, 0), minute=56, incidents=listed))
    assert kinds(frames) == ["card"]
    listed.append(card("home", 58, "Otamendi", "second_yellow"))
    frames = await run.poll(snap("second_half", (0, 0), minute=59, incidents=listed))
    assert kinds(frames) == ["card"] and frames[0].data["card"] == "second_yellow"


async def test_the_clock_only_moves_on():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=10))
    frames = await run.poll(snap("first_half", (0, 0), minute=12))
    assert [(f.kind, f.data["minute"]) for f in frames] == [("clock", 12)]
    assert await run.poll(snap("first_half", (0, 0), minute=11)) == []
    frames = await run.poll(snap("first_half", (0, 0), minute=45, added=2))
    assert [(f.data["minute"], f.data["added"]) for f in frames] == [(45, 2)]


async def test_teams_that_change_leave_the_match_alone_and_a_rename_keeps_the_name(caplog):
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=10))
    other = TeamRef("Croatia", "CRO", "799")
    with caplog.at_level(logging.WARNING):
        assert await run.poll(snap("first_half", (3, 0), minute=11, away=other)) == []
        renamed = TeamRef("France (renamed)", "FRA", AWAY.ref)
        frames = await run.poll(snap("first_half", (1, 0), minute=12, away=renamed))
    assert kinds(frames) == ["goal"]
    assert run.match().away.name == "France"
    assert "teams changed" in caplog.text and "renamed" in caplog.text


async def test_silent_after_an_outage_brings_the_current_state_without_events():
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=10, incidents=[]))
    missed = [goal("home", 23, "Messi"), goal("home", 36, "Di María")]
    frames = await run.poll(snap("half_time", (2, 0), incidents=missed), silent=True)
    assert kinds(frames) == ["match_added"]
    match = run.match()
    assert (match.status, str(match.score)) == ("half_time", "2–0")
    assert [e.player for e in match.events if e.type == "goal"] == ["Messi", "Di María"]
    # And from there on, live again.
    frames = await run.poll(snap("second_half", (2, 0), minute=46, incidents=missed))
    assert kinds(frames) == ["second_half"]


async def test_a_restart_repeats_nothing_and_skips_nothing(tmp_path):
    path = tmp_path / "store.sqlite3"
    run = Following(SqliteStore(path))
    await run.poll(snap("first_half", (0, 0), minute=10, incidents=[]))
    await run.poll(snap("first_half", (1, 0), minute=12, incidents=[]))
    await run.broker.close()

    again = Following(SqliteStore(path))
    # Same poll as before the restart: nothing new...
    assert kinds(await again.poll(snap("first_half", (1, 0), minute=12, incidents=[]))) == []
    # ...and the scorer that arrives now completes the goal published before.
    late = [goal("home", 12, "Messi")]
    frames = await again.poll(
        snap("first_half", (2, 0), minute=20, incidents=[*late, goal("home", 19, "Di María")])
    )
    assert kinds(frames) == ["goal_update", "goal"]
    assert frames[1].data["player"] == "Di María"
    await again.broker.close()


@pytest.mark.parametrize("phase", ["cancelled", "awarded"])
async def test_called_off_before_kickoff(phase):
    run = Following()
    await run.poll(snap())
    frames = await run.poll(snap(phase))
    assert frames[0].data["status"] == "scheduled" and frames[0].data["round"].startswith(
        "Final · "
    )


async def test_a_match_that_passed_entirely_between_two_polls_comes_in_silently():
    run = Following()
    await run.poll(snap())
    frames = await run.poll(snap("full_time", (2, 1), incidents=[goal("home", 5, "A")]))
    assert kinds(frames) == ["match_added"]
    assert (run.match().status, str(run.match().score)) == ("full_time", "2–1")


async def test_a_live_match_that_vanishes_is_kept_and_said_once(caplog):
    run = Following()
    other = snap("first_half", (0, 0), minute=3, match_id="fd-2")
    await run.poll(snap("first_half", (1, 0), minute=20), other)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert await run.poll(other) == []
    assert caplog.text.count("fd-1: vanished from the provider's list while live") == 1
    assert str(run.match().score) == "1–0" and run.match().status == "live"


async def test_a_match_listed_twice_in_one_poll_is_followed_once(caplog):
    run = Following()
    await run.poll(snap("first_half", (0, 0), minute=3))
    with caplog.at_level(logging.WARNING):
        frames = await run.poll(
            snap("first_half", (1, 0), minute=4), snap("first_half", (2, 0), minute=4)
        )
    assert kinds(frames) == ["goal"]
    assert "listed twice in one poll" in caplog.text
