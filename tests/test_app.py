"""The whole viewer in-process on a qasync loop, following the real server (a subprocess):
published events reach the scoreboard, the timeline and a notification."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
import qasync
from PySide6.QtCore import Qt

from desktop.app import Options, TouchlineApp
from desktop.cells import HOME, SCORE
from desktop.settings import Settings
from tests.serverproc import run_server


@pytest.fixture
def qloop(qapp):
    """A qasync loop on the test's QApplication; closed and unset afterwards."""
    qapp.setQuitOnLastWindowClosed(False)  # as the app's own bootstrap does
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def no_session_bus(monkeypatch):
    # Offscreen Qt has no tray; without a session bus there is no notification service either,
    # so the app must fall back to its in-window banner.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)


@pytest.fixture
def server():
    with run_server("--feed", "none", "--store", ":memory:") as srv:
        yield srv


async def until(check: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


def run(loop, coro, timeout: float = 60.0):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def test_published_goal_changes_the_row_and_reaches_the_banner(
    qloop, qtbot, server, no_session_bus, tmp_path
):
    settings = Settings(tmp_path / "touchline.ini")
    app = TouchlineApp(Options(server=server.url, highlight_ms=60_000), settings)
    qtbot.addWidget(app.window)
    model, banner = app.window.model, app.window.notice_banner

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        await until(lambda: app.client and app.client.state.kind == "live", what="live")
        assert app.notifier.name == "banner"
        assert app.window.status_label.text() == "Live"
        assert app.window.server_label.text() == server.url
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers()) as http:
            r = await http.post(
                "/api/matches",
                json={
                    "id": "e2e",
                    "competition": "Test Cup",
                    "home": "<b>X</b>",
                    "away": "Away FC",
                },
            )
            assert r.status_code == 201
            await until(lambda: model.index_of("e2e").isValid(), what="row")
            assert model.index_of("e2e", HOME).data() == "<b>X</b>"
            for event in (
                {"type": "kickoff"},
                {"type": "goal", "team": "home", "minute": 5, "player": "<img src=x>"},
            ):
                assert (await http.post("/api/matches/e2e/events", json=event)).status_code == 201
        await until(lambda: model.index_of("e2e", SCORE).data() == "1 – 0", what="score")
        assert model.highlighted() == {"e2e"}
        await until(lambda: banner.history, what="notification")
        assert banner.history == [("GOAL! <b>X</b> 1–0 Away FC", "5' <img src=x>")]
        assert banner.isVisible() and banner.match_id == "e2e"

        banner.open_button.click()  # "Open match" selects it and shows its timeline
        assert app.window.view.current_match_id() == "e2e"
        assert app.window.timeline.model.rowCount() == 2

        app.quit()
        return await running

    assert run(qloop, scenario()) == 0
    saved = Settings(tmp_path / "touchline.ini").load_board(server.url)
    assert saved is not None and saved[0] == app.board.last_event_id
    assert [m.id for m in saved[1].matches] == ["e2e"]


def test_restart_resumes_without_notifying_again(qloop, qtbot, server, no_session_bus, tmp_path):
    """The last board, its stream id and the seen notices persist: a second run shows the
    goal at once, resumes after it, and says nothing about it again."""
    path = tmp_path / "touchline.ini"

    async def first() -> None:
        app = TouchlineApp(Options(server=server.url), Settings(path))
        qtbot.addWidget(app.window)
        running = asyncio.ensure_future(app.run())
        await until(lambda: app.client and app.client.state.kind == "live")
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers()) as http:
            await http.post("/api/matches", json={"id": "r1", "home": "A", "away": "B"})
            await http.post("/api/matches/r1/events", json={"type": "kickoff"})
            await http.post(
                "/api/matches/r1/events", json={"type": "goal", "team": "away", "minute": 9}
            )
        await until(lambda: app.window.notice_banner.history, what="first notice")
        app.quit()
        await running

    async def second() -> TouchlineApp:
        app = TouchlineApp(Options(server=server.url), Settings(path))
        qtbot.addWidget(app.window)
        running = asyncio.ensure_future(app.run())
        await until(lambda: app.window.model.index_of("r1").isValid(), what="row after restart")
        assert app.window.model.index_of("r1", SCORE).data() == "0 – 1"
        await until(lambda: app.client.state.kind == "live")
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers()) as http:
            await http.post("/api/matches/r1/events", json={"type": "goal", "team": "home"})
        await until(lambda: app.window.model.index_of("r1", SCORE).data() == "1 – 1")
        await until(lambda: app.window.notice_banner.history, what="the new goal's notice")
        await asyncio.sleep(1.5)  # the rules hold catch-up for a settle period; give it one
        app.quit()
        await running
        return app

    run(qloop, first())
    again = run(qloop, second())
    assert [t for t, _ in again.window.notice_banner.history] == ["GOAL! A 1–1 B"]


def test_muting_a_match_from_the_banner_silences_its_next_goal(
    qloop, qtbot, server, no_session_bus, tmp_path
):
    app = TouchlineApp(Options(server=server.url), Settings(tmp_path / "s.ini"))
    qtbot.addWidget(app.window)
    banner = app.window.notice_banner

    async def scenario() -> None:
        running = asyncio.ensure_future(app.run())
        await until(lambda: app.client and app.client.state.kind == "live")
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers()) as http:
            await http.post("/api/matches", json={"id": "m", "home": "A", "away": "B"})
            await http.post("/api/matches/m/events", json={"type": "kickoff"})
            await http.post("/api/matches/m/events", json={"type": "goal", "team": "home"})
            await until(lambda: len(banner.history) == 1, what="first goal")
            banner.mute_button.click()
            assert app.rules.settings.muted_matches == {"m"}
            await http.post("/api/matches/m/events", json={"type": "goal", "team": "home"})
            await until(lambda: app.window.model.index_of("m", SCORE).data() == "2 – 0")
            await asyncio.sleep(1.5)  # anything held would be released by now
            assert len(banner.history) == 1
            await http.post("/api/matches/m/events", json={"type": "full_time"})
            await until(lambda: app.board.matches["m"].status == "full_time")
        assert app.rules.settings.muted_matches == set()  # a match's mute ends at full time
        app.quit()
        await running

    run(qloop, scenario())


@pytest.mark.parametrize("how", ["ctrl+q", "close window"])
def test_quit_from_the_window_stops_the_stream_and_returns_zero(
    qloop, qtbot, server, no_session_bus, tmp_path, how
):
    app = TouchlineApp(Options(server=server.url), Settings(tmp_path / "s.ini"))
    qtbot.addWidget(app.window)

    async def scenario() -> int:
        running = asyncio.ensure_future(app.run())
        await until(lambda: app.client and app.client.state.kind == "live")
        if how == "ctrl+q":
            app.window.activateWindow()
            await until(app.window.isActiveWindow)
            qtbot.keyClick(app.window.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        else:
            app.window.close()  # no tray here: closing the window quits
        return await running

    assert run(qloop, scenario(), timeout=20) == 0
    assert app.client.state.kind == "stopped"
    assert app._stream_task.done()
    assert not app.window.isVisible()
