"""The scoreboard's Qt model: grouping, precise change signals, favourites, highlight, text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QTextDocument

from desktop.core import display
from desktop.core.state import Scoreboard
from desktop.ui.cells import (
    AWAY,
    CLOCK,
    FAVOURITES_GROUP,
    HOME,
    SCORE,
    FavouriteRole,
    HighlightRole,
    RedCardsRole,
)
from desktop.ui.scoreboard_view import ScoreboardFilter
from server.wire import Snapshot
from tests.support.board_rows import titles
from tests.support.matchdata import Feed, later, match
from tests.support.timezone import local_time

DISPLAY = Qt.ItemDataRole.DisplayRole


class SignalLog:
    """Records a model's structural signals as tuples, to assert exactly what was emitted."""

    def __init__(self, model) -> None:
        self.model = model
        self.events: list[tuple] = []
        self._hooks = [
            (
                model.dataChanged,
                lambda a, b, roles=(): self.events.append(
                    ("data", self._path(a), a.column(), b.column(), tuple(roles))
                ),
            ),
            (model.rowsInserted, lambda p, a, b: self.events.append(("ins", self._path(p), a, b))),
            (model.rowsRemoved, lambda p, a, b: self.events.append(("rem", self._path(p), a, b))),
            (
                model.rowsMoved,
                lambda p, a, b, d, r: self.events.append(
                    ("move", self._path(p), a, self._path(d), r)
                ),
            ),
            (model.modelReset, lambda: self.events.append(("reset",))),
            (model.layoutChanged, lambda *a: self.events.append(("layout",))),
        ]
        for signal, slot in self._hooks:
            signal.connect(slot)

    def _path(self, index: QModelIndex) -> tuple:
        out = []
        while index.isValid():
            out.insert(0, index.row())
            index = index.parent()
        return tuple(out)

    def kinds(self) -> set[str]:
        return {e[0] for e in self.events}

    def close(self) -> None:
        for signal, slot in self._hooks:
            signal.disconnect(slot)


@pytest.fixture
def board() -> Scoreboard:
    return Scoreboard()


def test_matches_are_grouped_by_competition_and_ordered_by_kickoff(board, make_model):
    board.apply_snapshot(
        Snapshot(
            matches=[
                match("late", "Spain", "Italy", "Euro", later(3)),
                match("wc", "Mexico", "South Africa"),
                match("early", "France", "Wales", "Euro", later(-2)),
            ]
        )
    )
    model = make_model(board)
    assert titles(model) == [
        ("Euro · Group A", ["France v Wales", "Spain v Italy"]),
        ("World Cup 2026 · Group A", ["Mexico v South Africa"]),
    ]


def test_goal_emits_datachanged_for_its_row_only_never_a_reset(board, make_model):
    feed = Feed(match("a"), match("b", "Brazil", "Morocco"))
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    model = make_model(board)
    board.apply_event(feed("b", "kickoff"))
    log = SignalLog(model)

    board.apply_event(feed("b", "goal", minute=67, team="home", player="Vinícius"))

    row = model.index_of("b")
    assert model.index(row.row(), SCORE, row.parent()).data() == "1 – 0"
    assert model.index(row.row(), CLOCK, row.parent()).data() == "67'"
    assert log.kinds() == {"data"}
    rows = {e[1] for e in log.events}
    assert rows == {(0, row.row())}  # only Brazil v Morocco, nothing else
    score_signals = [e for e in log.events if e[2] <= SCORE <= e[3] and DISPLAY in e[4]]
    assert score_signals, log.events
    log.close()


def test_new_match_inserts_one_row_and_new_competition_inserts_its_group_first(board, make_model):
    board.apply_snapshot(Snapshot(matches=[match("a")]))
    model = make_model(board)
    log = SignalLog(model)

    board.apply_match(match("b", "Brazil", "Morocco", kickoff=later(-1)))
    assert log.events == [("ins", (0,), 0, 0)]  # before Mexico: earlier kick-off

    log.events.clear()
    board.apply_match(match("c", "Arsenal", "Chelsea", "Premier League"))
    # Groups are in alphabetical order: the new group goes first, then its row; the other
    # headings, which left the board's one competition out, are redrawn naming theirs.
    heading = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
    assert log.events == [("ins", (), 0, 0), ("ins", (0,), 0, 0), ("data", (0,), 0, 0, heading)]
    assert titles(model)[0] == ("Premier League · Group A", ["Arsenal v Chelsea"])
    log.close()


def test_removed_match_removes_its_row_and_then_its_empty_group(board, make_model):
    board.apply_snapshot(Snapshot(matches=[match("a"), match("c", "A", "B", "Cup")]))
    model = make_model(board)
    log = SignalLog(model)

    board.apply_snapshot(Snapshot(matches=[match("a")]))  # "c" is gone after a reconnect

    heading = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
    assert log.events == [("rem", (0,), 0, 0), ("rem", (), 0, 0), ("data", (0,), 0, 0, heading)]
    # One competition left: its heading is its round only (the window's title names it).
    assert titles(model) == [("Group A", ["Mexico v South Africa"])]
    log.close()


def test_favourite_team_moves_its_match_into_favourites_group_at_the_top(board, make_model):
    board.apply_snapshot(
        Snapshot(matches=[match("a"), match("b", "Brazil", "Morocco", kickoff=later(2))])
    )
    model = make_model(board)
    log = SignalLog(model)

    model.toggle_favourite("morocco")  # names match regardless of case

    assert titles(model) == [
        (FAVOURITES_GROUP, ["Brazil v Morocco"]),
        ("Group A", ["Mexico v South Africa"]),
    ]
    structural = [e for e in log.events if e[0] != "data"]
    assert structural == [("ins", (), 0, 0), ("move", (1,), 1, (0,), 0)]
    assert model.index_of("b").data(FavouriteRole) is True
    bold = model.index(0, AWAY, model.index(0, 0)).data(Qt.ItemDataRole.FontRole)
    assert bold is not None and bold.bold()

    log.events.clear()
    model.toggle_favourite("Morocco")
    assert titles(model) == [("Group A", ["Mexico v South Africa", "Brazil v Morocco"])]
    assert [e for e in log.events if e[0] != "data"] == [
        ("move", (0,), 0, (1,), 1),
        ("rem", (), 0, 0),
    ]
    log.close()


def test_later_kickoff_moves_row_within_its_group(board, make_model):
    board.apply_snapshot(
        Snapshot(matches=[match("a"), match("b", "Brazil", "Morocco", kickoff=later(1))])
    )
    model = make_model(board)
    log = SignalLog(model)

    board.apply_match(match("a", kickoff=later(5)))  # postponed

    assert titles(model) == [("Group A", ["Brazil v Morocco", "Mexico v South Africa"])]
    assert [e for e in log.events if e[0] != "data"] == [("move", (0,), 0, (0,), 2)]
    log.close()


def test_goal_highlights_the_row_and_the_highlight_fades_away(qtbot, board, make_model):
    feed = Feed(match("a"))
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    model = make_model(board, highlight_ms=300)
    board.apply_event(feed("a", "kickoff"))
    cell = model.index_of("a", HOME)
    assert cell.data(Qt.ItemDataRole.BackgroundRole) is None

    with qtbot.waitSignal(model.goalHighlighted, timeout=1000) as blocker:
        board.apply_event(feed("a", "goal", minute=9, team="home", player="Quiñones"))
    assert blocker.args == ["a"]
    assert model.index_of("a", HOME).data(HighlightRole) > 0.5
    assert model.index_of("a", HOME).data(Qt.ItemDataRole.BackgroundRole) is not None

    # The timer clears it (and signals the row once more so the view repaints it plain).
    qtbot.waitUntil(lambda: model.highlighted() == frozenset(), timeout=2000)
    assert model.index_of("a", HOME).data(HighlightRole) == 0
    assert model.index_of("a", HOME).data(Qt.ItemDataRole.BackgroundRole) is None


def test_disallowed_goal_and_other_events_do_not_highlight(board, make_model):
    feed = Feed(match("a"))
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    model = make_model(board, highlight_ms=60_000)
    board.apply_event(feed("a", "kickoff"))
    board.apply_event(feed("a", "card", minute=20, team="away", card="yellow", player="X"))
    assert model.highlighted() == frozenset()
    board.apply_event(feed("a", "goal", minute=30, team="away", player="Y"))
    assert model.highlighted() == {"a"}
    model.highlights.forget("a")
    board.apply_event(feed("a", "goal_disallowed", minute=32, team="away"))
    assert model.highlighted() == frozenset()
    assert model.index_of("a", SCORE).data() == "0 – 0"


def test_score_rise_seen_in_a_reconnect_snapshot_highlights_without_reset(board, make_model):
    feed = Feed(match("a"))
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    model = make_model(board, highlight_ms=60_000)
    feed("a", "kickoff")
    feed("a", "goal", minute=9, team="home", player="Q")
    log = SignalLog(model)

    board.apply_snapshot(Snapshot(matches=[feed.matches["a"]]))

    assert log.kinds() == {"data"}
    assert model.highlighted() == {"a"}
    assert model.index_of("a", SCORE).data() == "1 – 0"
    log.close()


def test_stale_scoreboard_greys_every_row_with_datachanged_only(board, make_model):
    board.apply_snapshot(Snapshot(matches=[match("a"), match("c", "A", "B", "Cup")]))
    model = make_model(board)
    log = SignalLog(model)
    model.set_stale(True)
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.index_of("a", HOME).data(fg) is not None
    assert model.index(0, 0).data(fg) is not None
    assert log.kinds() == {"data"}
    model.set_stale(False)
    assert model.index_of("a", HOME).data(fg) is None
    log.close()


def test_red_cards_count_per_side_including_second_yellows(board, make_model):
    feed = Feed(match("a"))
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())))
    model = make_model(board)
    board.apply_event(feed("a", "kickoff"))
    board.apply_event(feed("a", "card", minute=30, team="away", card="red", player="P1"))
    board.apply_event(feed("a", "card", minute=70, team="away", card="second_yellow", player="P2"))
    board.apply_event(feed("a", "card", minute=71, team="home", card="yellow", player="P3"))
    assert model.index_of("a", HOME).data(RedCardsRole) == 0
    assert model.index_of("a", AWAY).data(RedCardsRole) == 2
    assert model.index_of("a", AWAY).data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index_of("a", HOME).data(Qt.ItemDataRole.DecorationRole) is None
    assert (
        model.index_of("a", AWAY).data(Qt.ItemDataRole.AccessibleTextRole)
        == "South Africa, 2 sent off"
    )


ODD_NAMES = [
    "<b>X</b>",
    "<img src=x onerror=alert(1)>",
    "Tom & Jerry &lt;3",
    "نادي الهلال",  # right-to-left
    "הפועל באר שבע FC",  # right-to-left mixed with left-to-right
    "⚽ Lions 🦁 United",  # emoji
    "Zoë Ça̧ Åström",  # combining marks
    "W" * 80,  # the longest name the API accepts
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_markup_in_team_names_is_shown_verbatim_in_cells_and_tooltip(board, make_model, name):
    board.apply_snapshot(Snapshot(matches=[match("a", name, "Plain FC")]))
    model = make_model(board)
    cell = model.index_of("a", HOME)
    assert cell.data() == name
    tooltip = cell.data(Qt.ItemDataRole.ToolTipRole)
    # Qt renders tooltips as rich text: what it would show must be the name itself.
    assert QtGui.Qt.mightBeRichText(tooltip)
    doc = QTextDocument()
    doc.setHtml(tooltip)
    assert f"{name} v Plain FC" in doc.toPlainText()


def test_filter_narrows_by_team_or_competition_and_keeps_groups(board, make_model):
    board.apply_snapshot(
        Snapshot(
            matches=[
                match("a"),
                match("b", "Brazil", "Morocco"),
                match("c", "Arsenal", "Chelsea", "Premier League"),
            ]
        )
    )
    model = make_model(board)
    proxy = ScoreboardFilter()
    proxy.setSourceModel(model)

    def shown(p: QSortFilterProxyModel) -> list[tuple[str, list[str]]]:
        out = []
        for g in range(p.rowCount()):
            group = p.index(g, 0)
            out.append(
                (group.data(), [p.index(r, HOME, group).data() for r in range(p.rowCount(group))])
            )
        return out

    proxy.set_text("moro")
    assert shown(proxy) == [("World Cup 2026 · Group A", ["Brazil"])]
    proxy.set_text("premier")
    assert shown(proxy) == [("Premier League · Group A", ["Arsenal"])]
    proxy.set_text("")
    assert len(shown(proxy)) == 2
    # A goal while filtered still reaches the visible row.
    proxy.set_text("brazil")
    feed = Feed(board.matches["b"])
    board.apply_event(feed("b", "kickoff"))
    board.apply_event(feed("b", "goal", minute=5, team="away", player="En-Nesyri"))
    assert proxy.index(0, SCORE, proxy.index(0, 0)).data() == "0 – 1"


@pytest.fixture
def tz_tokyo():
    with local_time("Asia/Tokyo"):
        yield


def test_scheduled_kickoff_is_shown_in_local_time(tz_tokyo):
    m = match("a", kickoff=datetime(2026, 6, 11, 8, 30, tzinfo=UTC))  # 17:30 in Tokyo
    same_day = datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
    assert display.clock_text(m, now=same_day) == "17:30"
    assert display.kickoff_text(m, now=datetime(2026, 6, 9, 9, 0, tzinfo=UTC)) == "Thu 17:30"
    assert display.kickoff_text(m, now=datetime(2026, 5, 1, tzinfo=UTC)) == "11 Jun 17:30"


def test_clock_and_score_read_like_a_scoreboard():
    feed = Feed(match("a"))
    m = feed.matches["a"]
    feed("a", "kickoff")
    feed("a", "goal", minute=45, added=2, team="home", player="A")
    assert (display.clock_text(m), display.score_text(m)) == ("45+2'", "1 – 0")
    feed("a", "half_time")
    assert display.clock_text(m) == "HT"
    feed("a", "second_half")
    feed("a", "goal", minute=88, team="away", player="B")
    feed("a", "extra_time", minute=91)
    assert display.clock_text(m).startswith("ET")
    feed("a", "penalty_shootout", team="home", scored=True)
    assert (display.clock_text(m), display.score_text(m)) == ("Pens", "1 – 1 (1 – 0)")
    feed("a", "full_time")
    assert display.clock_text(m) == "Pens"
    plain = Feed(match("b"))
    plain("b", "kickoff")
    plain("b", "full_time", minute=90)
    assert display.clock_text(plain.matches["b"]) == "FT"
