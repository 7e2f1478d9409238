"""openfootball football.json feeds: both layouts, real quirks, and the real final results."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.core.match_state import apply_event
from server.feeds import Feed, load_feed
from server.feeds.model import scratch_match
from server.resources import asset
from server.wire import Match, MatchEvent

FIXTURES = Path(__file__).parents[1] / "feeds"
EXCERPTS = sorted(FIXTURES.glob("*-excerpt.json"))


def played(feed: Feed) -> dict[str, Match]:
    """Every match after all its feed events, applied with the broker's own rules."""
    out = {}
    for m in feed.matches:
        match = scratch_match(m)
        for i, ev in enumerate(feed.events_of(m.id)):
            apply_event(match, ev, f"{m.id}-{i}")
        out[m.id] = match
    return out


def raw_matches(path: Path) -> list[dict]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if "rounds" in doc:
        return [m for r in doc["rounds"] for m in r["matches"]]
    return doc["matches"]


def of_type(match: Match, kind: str) -> list[MatchEvent]:
    return [e for e in match.events if e.type == kind]


def by_teams(feed: Feed, home: str, away: str) -> str:
    return next(m.id for m in feed.matches if (m.home.name, m.away.name) == (home, away))


@pytest.mark.parametrize(
    "path", [asset("feeds", "worldcup-2026.json"), *EXCERPTS], ids=lambda p: p.name
)
def test_every_match_ends_with_the_real_final_score_and_shootout(path: Path) -> None:
    feed = load_feed(str(path))
    matches = played(feed)
    raws = raw_matches(path)
    assert len(feed.matches) == len(raws)
    for m, raw in zip(feed.matches, raws, strict=True):
        match, score = matches[m.id], raw["score"]
        final = score.get("et") or score["ft"]
        assert match.status == "full_time", m.id
        assert [match.score.home, match.score.away] == final, m.id
        pens = [match.penalties.home, match.penalties.away] if match.penalties else None
        assert pens == score.get("p"), m.id
        went_to_extra_time = "et" in score or any(
            int(str(g["minute"]).partition("+")[0]) > 90 and "offset" not in g
            for g in raw.get("goals1", []) + raw.get("goals2", [])
        )
        assert bool(of_type(match, "extra_time")) == went_to_extra_time, m.id


def test_bundled_world_cup_has_all_104_matches_with_readable_unique_ids() -> None:
    feed = load_feed("worldcup-2026")
    assert feed.name == "World Cup 2026"
    assert [m.id for m in feed.matches] == [f"wc2026-{n:03d}" for n in range(1, 105)]
    final = feed.matches[-1]
    assert (final.home.name, final.away.name, final.round) == ("Spain", "Argentina", "Final")
    assert final.competition == "World Cup 2026"
    # "15:00 UTC-4" on 2026-07-19
    assert final.kickoff == datetime(2026, 7, 19, 19, 0, tzinfo=UTC)


def test_rounds_layout_takes_round_names_team_codes_and_official_numbers() -> None:
    feed = load_feed(str(FIXTURES / "euro2024-excerpt.json"))
    first = feed.matches[0]
    assert first.id == "euro2024-001"  # the file's own match "num"
    # The file's group with it, alone: the excerpt holds one match of Group A, too few to
    # count the group's matchdays.
    assert first.round == "Group A"
    assert (first.home.name, first.home.code) == ("Germany", "GER")
    assert feed.matches[-1].round == "Quarter-finals"


def test_extra_time_goal_without_score_et_plays_extra_time_and_ft_counts_it() -> None:
    feed = load_feed(str(FIXTURES / "euro2024-excerpt.json"))
    match = played(feed)[by_teams(feed, "England", "Slovakia")]
    end_of_normal_time = next(e for e in match.events if e.type == "half_time" and e.minute == 90)
    assert str(end_of_normal_time.score) == "1–1"
    kane = next(e for e in of_type(match, "goal") if e.player == "Kane")
    assert (kane.minute, kane.added, kane.status, str(kane.score)) == (
        91,
        None,
        "extra_time",
        "2–1",
    )
    assert not of_type(match, "penalty_shootout")
    assert str(match.score) == "2–1"


def test_shootout_is_one_event_with_the_total_and_the_winner() -> None:
    feed = load_feed(str(FIXTURES / "worldcup2022-excerpt.json"))
    final = played(feed)[by_teams(feed, "Argentina", "France")]
    (shootout,) = of_type(final, "penalty_shootout")
    assert shootout.team == "home"
    assert (shootout.penalties.home, shootout.penalties.away) == (4, 2)
    assert shootout.text == "Penalty shoot-out: Argentina win 4–2"
    assert [e.type for e in final.events[-2:]] == ["penalty_shootout", "full_time"]
    assert str(final.score) == "3–3"
    goals = [(e.minute, e.player) for e in of_type(final, "goal")]
    assert goals == [
        (23, "Lionel Messi"),
        (36, "Ángel Di María"),
        (80, "Kylian Mbappé"),
        (81, "Kylian Mbappé"),
        (108, "Lionel Messi"),
        (118, "Kylian Mbappé"),
    ]


def test_stoppage_goals_fall_in_their_half_and_extra_time_stoppage_is_kept() -> None:
    feed = load_feed(str(FIXTURES / "worldcup2022-excerpt.json"))
    brazil = played(feed)[by_teams(feed, "Croatia", "Brazil")]
    neymar = next(e for e in of_type(brazil, "goal") if e.player == "Neymar")
    assert (neymar.minute, neymar.added, neymar.status) == (105, 1, "extra_time")
    halves = [e for e in brazil.events if e.type == "half_time"]
    assert [(e.minute, e.added) for e in halves] == [(45, 2), (90, 4), (105, 1)]


def test_unsorted_goal_lists_are_played_in_match_order() -> None:
    feed = load_feed(str(FIXTURES / "worldcup2018-excerpt.json"))
    russia = played(feed)[by_teams(feed, "Russia", "Saudi Arabia")]
    clock = [(e.minute, e.added or 0) for e in of_type(russia, "goal")]
    assert clock == [(12, 0), (43, 0), (71, 0), (90, 1), (90, 4)]
    ht = next(e for e in russia.events if e.type == "half_time")
    assert str(ht.score) == "2–0"


def test_own_goal_counts_for_the_side_whose_score_rises() -> None:
    feed = load_feed(str(FIXTURES / "worldcup2018-excerpt.json"))
    russia = played(feed)[by_teams(feed, "Russia", "Egypt")]
    own = next(e for e in of_type(russia, "goal") if e.own_goal)
    assert (own.player, own.team, own.minute, str(own.score)) == ("A. Fathi", "home", 47, "1–0")
    salah = next(e for e in of_type(russia, "goal") if e.team == "away")
    assert salah.penalty and salah.player == "M. Salah"


def test_utc_offsets_are_converted_and_times_without_one_are_utc() -> None:
    wc2018 = load_feed(str(FIXTURES / "worldcup2018-excerpt.json"))
    assert wc2018.matches[0].kickoff == datetime(2018, 6, 14, 15, 0, tzinfo=UTC)  # 18:00 UTC+3
    wc2022 = load_feed(str(FIXTURES / "worldcup2022-excerpt.json"))
    assert wc2022.matches[0].kickoff == datetime(2022, 12, 1, 18, 0, tzinfo=UTC)  # "18:00"


def test_files_without_goal_lists_get_unnamed_goals_split_by_the_half_time_score() -> None:
    feed = load_feed(str(FIXTURES / "clubworldcup2025-excerpt.json"))
    assert feed.warnings == []  # no lists at all is how that file is, not a disagreement
    matches = played(feed)
    psg = matches[by_teams(feed, "Paris Saint-Germain (FRA)", "Atlético Madrid (ESP)")]
    goals = of_type(psg, "goal")
    assert [e.player for e in goals] == [None] * 4
    assert [e.minute <= 45 for e in goals] == [True, True, False, False]  # ht 2-0, ft 4-0
    assert (
        goals[0].text
        == "Goal for Paris Saint-Germain (FRA)! Paris Saint-Germain (FRA) 1–0 Atlético Madrid (ESP)"
    )
    palmeiras = matches[by_teams(feed, "Palmeiras (BRA)", "Botafogo RJ (BRA)")]
    (winner,) = of_type(palmeiras, "goal")
    assert winner.minute > 90 and winner.status == "extra_time"


def test_score_wins_over_a_disagreeing_goal_list_and_says_so() -> None:
    feed = load_feed(str(FIXTURES / "openfootball-edge-cases.json"))
    match = played(feed)["ec2026-001"]
    assert str(match.score) == "2–1"
    goals = [(e.minute, e.added, e.team, e.player, e.own_goal) for e in of_type(match, "goal")]
    # Listed: 45+2 and 67 (own goal) kept, 90+4 dropped; Southland's goal added unnamed,
    # in the second half because the half-time score is 1-0.
    assert goals == [
        (45, 2, "home", "A. Early", False),
        (67, None, "home", "B. Own", True),
        (68, None, "away", None, False),
    ]
    assert feed.warnings == [
        "ec2026-001 (Northland v Southland): 3 goals listed for Northland, the score says 2;"
        " the score wins",
        "ec2026-001 (Northland v Southland): 0 goals listed for Southland, the score says 1;"
        " the score wins",
    ]


def test_match_without_a_result_has_no_events_and_keeps_its_kickoff() -> None:
    feed = load_feed(str(FIXTURES / "openfootball-edge-cases.json"))
    fixture = feed.matches[2]
    assert (fixture.id, fixture.home.name, fixture.round) == ("ec2026-003", "W1", "Final")
    assert feed.events_of("ec2026-003") == []
    assert played(feed)["ec2026-003"].status == "scheduled"
    assert fixture.kickoff == datetime(2026, 7, 19, 19, 0, tzinfo=UTC)


def test_goalless_match_still_has_every_whistle() -> None:
    feed = load_feed(str(FIXTURES / "openfootball-edge-cases.json"))
    match = played(feed)["ec2026-002"]
    assert [e.type for e in match.events] == ["kickoff", "half_time", "second_half", "full_time"]
    assert match.events[-1].text == "Full time, Eastland 0–0 Westland"


def test_older_files_with_score1_score2_fields_load_with_their_results(tmp_path: Path) -> None:
    doc = {
        "name": "World Cup 2018",
        "rounds": [
            {
                "name": "Matchday 1",
                "matches": [
                    {
                        "num": 1,
                        "date": "2018-06-14",
                        "time": "18:00",
                        "team1": {"name": "Russia", "code": "RUS"},
                        "team2": {"name": "Saudi Arabia", "code": "KSA"},
                        "score1": 5,
                        "score2": 0,
                        "score1i": 2,
                        "score2i": 0,
                        "goals1": [
                            {"name": "Gazinsky", "minute": 12, "score1": 1, "score2": 0},
                            {"name": "Cheryshev", "minute": 43, "score1": 2, "score2": 0},
                            {"name": "Dzyuba", "minute": 71, "score1": 3, "score2": 0},
                            {"name": "Cheryshev", "minute": 90, "offset": 1},
                            {"name": "Golovin", "minute": 90, "offset": 4},
                        ],
                        "goals2": [],
                    },
                    {
                        "num": 2,
                        "date": "2018-06-15",
                        "team1": {"name": "Egypt", "code": "EGY"},
                        "team2": {"name": "Uruguay", "code": "URU"},
                        "score1": None,
                        "score2": None,
                    },
                ],
            }
        ],
    }
    path = tmp_path / "worldcup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    feed = load_feed(str(path))
    matches = played(feed)
    assert str(matches["wc2018-001"].score) == "5–0"
    assert feed.warnings == []
    assert (matches["wc2018-002"].status, feed.events_of("wc2018-002")) == ("scheduled", [])


def test_listed_goal_without_a_scorer_gets_a_readable_line(tmp_path: Path) -> None:
    doc = {
        "name": "Cup",
        "matches": [
            {
                "date": "2026-06-12",
                "team1": "Northland",
                "team2": "Southland",
                "score": {"ft": [1, 0]},
                "goals1": [{"minute": 30, "penalty": True}],
                "goals2": [],
            }
        ],
    }
    path = tmp_path / "cup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (goal,) = of_type(played(load_feed(str(path)))["cup-001"], "goal")
    assert (goal.player, goal.penalty) == (None, True)
    assert goal.text == "Goal for Northland! Northland 1–0 Southland"


def test_goal_listed_in_the_wrong_period_gives_way_to_the_score(tmp_path: Path) -> None:
    doc = {
        "name": "Cup",
        "matches": [
            {
                "date": "2026-06-12",
                "team1": "Northland",
                "team2": "Southland",
                "score": {"ft": [0, 0], "et": [1, 0]},
                "goals1": [{"name": "Early Bird", "minute": 80}],
                "goals2": [],
            }
        ],
    }
    path = tmp_path / "cup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    feed = load_feed(str(path))
    match = played(feed)["cup-001"]
    (goal,) = of_type(match, "goal")
    assert (goal.minute, goal.player, goal.status, str(match.score)) == (
        105,
        None,
        "extra_time",
        "1–0",
    )
    assert feed.warnings == [
        "cup-001 (Northland v Southland): 1 goals listed for Northland, the score says"
        " 1 (0 after 90 minutes); the score wins"
    ]


def test_the_world_cup_2026_feed_names_each_group_matchday_and_knockout_round():
    feed = load_feed("worldcup-2026")
    rounds = [m.round for m in feed.matches]
    assert len(rounds) == 104
    for group in "ABCDEFGHIJKL":
        for matchday in (1, 2, 3):
            assert rounds.count(f"Group {group} · Matchday {matchday}") == 2
    assert [rounds.count(r) for r in ("Round of 32", "Round of 16", "Quarter-final")] == [16, 8, 4]
    assert [rounds.count(r) for r in ("Semi-final", "Match for third place", "Final")] == [2, 1, 1]
    # Each team's first group match is its Matchday 1: Mexico's opener is Group A's.
    opener = min(feed.matches, key=lambda m: m.kickoff)
    assert (opener.home.name, opener.round) == ("Mexico", "Group A · Matchday 1")


def group_doc(*fixtures: tuple[str, str, str, str]) -> dict:
    """A flat file of one group's matches: (date, time, home, away)."""
    return {
        "name": "Cup 2030",
        "matches": [
            {"round": f"Matchday {n}", "group": "Group A", "date": d, "time": t,
             "team1": home, "team2": away}
            for n, (d, t, home, away) in enumerate(fixtures, start=1)
        ],
    }  # fmt: skip


def test_a_grouped_match_is_its_teams_nth_match_in_the_group_by_kickoff(tmp_path: Path) -> None:
    # Listed out of order (the file's "Matchday n" counts lines): the kick-offs decide.
    doc = group_doc(
        ("2030-06-20", "18:00 UTC-4", "A", "D"),
        ("2030-06-12", "20:00", "A", "B"),
        ("2030-06-12", "20:00", "C", "D"),
        ("2030-06-16", "22:00", "A", "C"),
        ("2030-06-20", "18:00 UTC-4", "B", "C"),
        ("2030-06-16", "21:00 UTC-4", "B", "D"),
    )
    path = tmp_path / "cup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    rounds = {(m.home.name, m.away.name): m.round for m in load_feed(str(path)).matches}
    assert rounds == {
        ("A", "B"): "Group A · Matchday 1",
        ("C", "D"): "Group A · Matchday 1",
        ("A", "C"): "Group A · Matchday 2",
        ("B", "D"): "Group A · Matchday 2",
        ("A", "D"): "Group A · Matchday 3",
        ("B", "C"): "Group A · Matchday 3",
    }


def test_a_group_the_file_does_not_hold_whole_is_named_without_a_matchday(tmp_path: Path) -> None:
    # Two of a group's six matches (an excerpt): their matchday cannot be counted.
    doc = group_doc(("2030-06-16", "22:00", "A", "C"), ("2030-06-16", "21:00", "B", "D"))
    path = tmp_path / "cup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert [m.round for m in load_feed(str(path)).matches] == ["Group A", "Group A"]


def test_a_group_of_three_played_in_a_day_counts_its_matchdays_by_kickoff_time(tmp_path: Path):
    # A pre-season three-team tournament: each team plays twice in the afternoon, listed out
    # of order; the times, not the lines, say which match is a team's first.
    doc = group_doc(
        ("2030-07-20", "18:00", "C", "A"),
        ("2030-07-20", "14:00", "A", "B"),
        ("2030-07-20", "16:00", "B", "C"),
    )
    path = tmp_path / "cup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    rounds = {(m.home.name, m.away.name): m.round for m in load_feed(str(path)).matches}
    assert rounds == {
        ("A", "B"): "Group A · Matchday 1",
        ("B", "C"): "Group A · Matchday 2",
        ("C", "A"): "Group A · Matchday 2",
    }


def test_a_group_played_home_and_away_is_whole_and_counts_each_teams_four_matches(tmp_path: Path):
    fixtures = [("A", "B"), ("C", "A"), ("B", "C"), ("B", "A"), ("A", "C"), ("C", "B")]
    doc = group_doc(
        *(
            (f"2030-09-{1 + 5 * n:02d}", "19:00", home, away)
            for n, (home, away) in enumerate(fixtures)
        )
    )
    path = tmp_path / "cup.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    rounds = [m.round for m in load_feed(str(path)).matches]
    # Each team plays four: a home team's count of its matches before, plus one.
    assert rounds == [f"Group A · Matchday {n}" for n in (1, 1, 2, 3, 4, 4)]
