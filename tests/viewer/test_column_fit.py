"""The Time and Score columns, and the timeline's, are as wide as their widest text: what
ResizeToContents gave, computed from the texts alone (desktop.ui.column_fit), because
ResizeToContents measured every row through the delegate on every change."""

from __future__ import annotations

import pytest

from desktop.core.state import Scoreboard
from desktop.platform.settings import Settings
from desktop.ui.cells import CLOCK, SCORE
from desktop.ui.timeline import KIND, MINUTE, PLAYER, TEAM
from desktop.ui.window import MainWindow
from server.wire import Snapshot
from tests.support.matchdata import Feed, later, match


@pytest.fixture
def window(qtbot, tmp_path):
    feed = Feed(
        match("a"),
        # Far from now, the same day as the others: a long Time ("11 Jun 22:00").
        match("b", "Brazil", "Morocco", kickoff=later(3)),
        match("c", "Arsenal", "Chelsea", "Premier League"),
    )
    board = Scoreboard()
    board.apply_snapshot(Snapshot(matches=list(feed.matches.values())), "1-0")
    for match_id in ("a", "c"):
        board.apply_event(feed(match_id, "kickoff"))
    win = MainWindow(board, Settings(tmp_path / "s.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win, board, feed
    win.detach()


def fitted(view, column: int) -> int:
    """What ResizeToContents makes of a column: its widest cell, or its title."""
    return max(view.sizeHintForColumn(column), view.header().sectionSizeHint(column))


def test_time_and_score_columns_fit_their_widest_text_and_follow_it(qtbot, window):
    win, board, feed = window
    header = win.view.header()
    qtbot.waitUntil(lambda: header.sectionSize(SCORE) == fitted(win.view, SCORE))
    assert header.sectionSize(CLOCK) == fitted(win.view, CLOCK)
    narrow = header.sectionSize(SCORE)
    for _ in range(12):
        board.apply_event(feed("c", "goal", minute=30, team="home"))
    board.apply_event(feed("c", "clock", minute=90, added=12))
    qtbot.waitUntil(lambda: header.sectionSize(SCORE) > narrow)  # "12 – 0" is wider
    assert header.sectionSize(SCORE) == fitted(win.view, SCORE)
    assert header.sectionSize(CLOCK) == fitted(win.view, CLOCK)


def test_timeline_columns_fit_their_texts(qtbot, window):
    win, board, feed = window
    board.apply_event(feed("a", "substitution", minute=61, added=4, team="away",
                           player_in="Teboho Mokoena-Rayners", player_out="Foster"))  # fmt: skip
    win.open_match("a")
    view = win.timeline.view
    for column in (MINUTE, KIND, TEAM, PLAYER):
        qtbot.waitUntil(lambda c=column: view.header().sectionSize(c) == fitted(view, c))
