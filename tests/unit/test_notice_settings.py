"""desktop.core.notify_settings: the kinds of notice a user chose, and how they are saved."""

from __future__ import annotations

from desktop.core.notify_settings import NoticeSettings
from tests.support.matchdata import match


def test_without_a_match_only_the_general_kinds_count() -> None:
    s = NoticeSettings(kinds={"goal"})
    s.set_own_kinds("team", "Arsenal", {"red_card"})
    arsenal = match("m", "Arsenal", "Chelsea")
    assert (s.wants("red_card"), s.wants("goal"), s.wants("goal_disallowed")) == (
        False,
        True,
        True,  # it follows goals
    )
    assert (s.wants("red_card", arsenal), s.wants("goal", arsenal)) == (True, False)


def test_taking_back_a_choice_never_made_changes_nothing() -> None:
    s = NoticeSettings()
    s.set_own_kinds("competition", "La Liga", {"goal"})
    s.set_own_kinds("team", "Spurs", None)
    s.set_own_kinds("competition", "Serie A", None)
    assert (s.team_kinds, s.competition_kinds) == ({}, {"la liga": {"goal"}})


def test_a_saved_table_of_own_kinds_keeps_only_what_it_can_read() -> None:
    s = NoticeSettings.from_dict(
        {
            "team_kinds": {
                "Arsenal": ["goal", "red_card", "nonsense"],
                "Chelsea": "goal",  # not a list of kinds
                "  ": ["goal"],  # no name
                "Spurs": [],
            },
            "competition_kinds": ["goal"],  # not a table
        }
    )
    assert s.team_kinds == {"arsenal": {"goal", "red_card"}, "spurs": set()}
    assert s.competition_kinds == {}
