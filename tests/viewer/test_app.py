"""The whole viewer in-process on a qasync loop, following the real server (a subprocess):
published events reach the scoreboard, the timeline and a notification."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PySide6.QtCore import Qt

from desktop.app import Options, TouchlineApp
from desktop.platform import autostart
from desktop.platform.settings import Settings
from desktop.ui.cells import HOME, SCORE
from desktop.ui.settings_dialog import SettingsDialog
from tests.support.serverproc import server_fixture, start_server
from tests.support.stream_fixtures import free_port
from tests.support.wait import wait_until_async


@pytest.fixture
def no_session_bus(monkeypatch):
    # Offscreen Qt has no tray; without a session bus there is no notification service either,
    # so the app must fall back to its in-window banner.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)


server = server_fixture("--feed", "none", "--store", ":memory:", scope="function")


@pytest.fixture
def make_app(qtbot, no_session_bus, tmp_path):
    def make(url: str, settings: Settings | None = None, **options) -> TouchlineApp:
        app = TouchlineApp(Options(server=url, **options), settings or Settings(tmp_path / "s.ini"))
        qtbot.addWidget(app.window)
        return app

    return make


def drive(
    loop: asyncio.AbstractEventLoop,
    app: TouchlineApp,
    scenario: Callable[[asyncio.Future], Awaitable[None]],
    timeout: float = 60.0,
    *,
    live_first: bool = True,
) -> int:
    """Runs the app with ``scenario`` beside it (once the stream is live, unless not
    ``live_first``); the app is always quit and awaited, even when the scenario fails, so
    nothing of it outlives the test's loop."""

    async def main() -> int:
        running = asyncio.ensure_future(app.run())
        try:
            if live_first:
                await wait_until_async(
                    lambda: app.client and app.client.state.kind == "live", what="live"
                )
            await asyncio.wait_for(scenario(running), timeout)
        finally:
            app.quit()
            code = await asyncio.wait_for(running, 15)
        return code

    return loop.run_until_complete(main())


def publisher(srv) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=srv.url, headers=srv.headers())


def test_published_goal_changes_the_row_and_reaches_the_banner(qloop, server, make_app, tmp_path):
    settings = Settings(tmp_path / "touchline.ini")
    app = make_app(server.url, settings, highlight_ms=60_000)
    model, banner = app.window.model, app.window.notice_banner

    async def scenario(_running) -> None:
        assert app.notifier.name == "banner"
        assert app.window.status_label.text() == "Live"
        assert app.window.server_label.text() == server.url
        async with publisher(server) as http:
            match = {"id": "e2e", "competition": "Test Cup", "home": "<b>X</b>", "away": "Away FC"}
            assert (await http.post("/api/matches", json=match)).status_code == 201
            await wait_until_async(lambda: model.index_of("e2e").isValid(), what="row")
            assert model.index_of("e2e", HOME).data() == "<b>X</b>"
            for event in (
                {"type": "kickoff"},
                {"type": "goal", "team": "home", "minute": 5, "player": "<img src=x>"},
            ):
                assert (await http.post("/api/matches/e2e/events", json=event)).status_code == 201
        await wait_until_async(lambda: model.index_of("e2e", SCORE).data() == "1 – 0", what="score")
        assert model.highlighted() == {"e2e"}
        await wait_until_async(lambda: banner.history, what="notification")
        assert banner.history == [("GOAL! <b>X</b> 1–0 Away FC", "5' <img src=x>")]
        assert banner.isVisible() and banner.match_id == "e2e"

        banner.open_button.click()  # "Open match" selects it and shows its timeline
        assert app.window.view.current_match_id() == "e2e"
        assert app.window.timeline.model.rowCount() == 2

    assert drive(qloop, app, scenario) == 0
    saved = Settings(tmp_path / "touchline.ini").load_board(server.url)
    assert saved is not None and saved[0] == app.board.last_event_id
    assert [m.id for m in saved[1].matches] == ["e2e"]


def test_restart_resumes_without_notifying_again(qloop, server, make_app, tmp_path):
    """The last board, its stream id and the seen notices persist: a second run shows the
    goal at once, resumes after it, and says nothing about it again."""
    path = tmp_path / "touchline.ini"
    first = make_app(server.url, Settings(path))

    async def before(_running) -> None:
        async with publisher(server) as http:
            await http.post("/api/matches", json={"id": "r1", "home": "A", "away": "B"})
            await http.post("/api/matches/r1/events", json={"type": "kickoff"})
            goal = {"type": "goal", "team": "away", "minute": 9}
            await http.post("/api/matches/r1/events", json=goal)
        await wait_until_async(lambda: first.window.notice_banner.history, what="first notice")

    drive(qloop, first, before)
    again = make_app(server.url, Settings(path))
    model = again.window.model
    # The saved board is on screen before the stream even connects.
    assert model.index_of("r1", SCORE).data() == "0 – 1"

    async def after(_running) -> None:
        async with publisher(server) as http:
            await http.post("/api/matches/r1/events", json={"type": "goal", "team": "home"})
        await wait_until_async(lambda: model.index_of("r1", SCORE).data() == "1 – 1")
        await wait_until_async(
            lambda: again.window.notice_banner.history, what="the new goal's notice"
        )
        await asyncio.sleep(1.5)  # anything held back as catch-up would be out by now

    drive(qloop, again, after)
    assert [t for t, _ in again.window.notice_banner.history] == ["GOAL! A 1–1 B"]


def test_muting_a_match_from_the_banner_silences_it_until_full_time(qloop, server, make_app):
    app = make_app(server.url)
    banner = app.window.notice_banner

    async def scenario(_running) -> None:
        async with publisher(server) as http:
            await http.post("/api/matches", json={"id": "m", "home": "A", "away": "B"})
            await http.post("/api/matches/m/events", json={"type": "kickoff"})
            await http.post("/api/matches/m/events", json={"type": "goal", "team": "home"})
            await wait_until_async(lambda: len(banner.history) == 1, what="first goal")
            banner.mute_button.click()
            assert app.rules.settings.muted_matches == {"m"}
            await http.post("/api/matches/m/events", json={"type": "goal", "team": "home"})
            await wait_until_async(lambda: app.window.model.index_of("m", SCORE).data() == "2 – 0")
            await asyncio.sleep(1.5)  # anything held would be released by now
            assert len(banner.history) == 1
            await http.post("/api/matches/m/events", json={"type": "full_time"})
            await wait_until_async(lambda: app.board.matches["m"].status == "full_time")
        assert app.rules.settings.muted_matches == set()  # a match's mute ends at full time

    drive(qloop, app, scenario)


@pytest.mark.parametrize("how", ["ctrl+q", "close window"])
def test_quit_from_the_window_stops_the_stream_and_returns_zero(
    qloop, qtbot, server, make_app, how
):
    app = make_app(server.url)

    async def scenario(running) -> None:
        if how == "ctrl+q":
            app.window.activateWindow()
            await wait_until_async(app.window.isActiveWindow)
            qtbot.keyClick(app.window.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        else:
            app.window.close()  # no tray here: closing the window quits
        await wait_until_async(running.done, what="the app to finish")

    assert drive(qloop, app, scenario, timeout=20) == 0
    assert app.client.state.kind == "stopped"
    assert app._stream_task.done()
    assert not app.window.isVisible()


def test_server_going_away_greys_the_board_and_says_so_until_it_is_back(qloop, make_app):
    srv = start_server("--feed", "none", "--store", ":memory:")
    port = srv.port
    app = make_app(srv.url)
    window = app.window

    async def scenario(_running) -> None:
        nonlocal srv
        async with publisher(srv) as http:
            await http.post("/api/matches", json={"id": "m", "home": "A", "away": "B"})
        await wait_until_async(lambda: window.model.index_of("m").isValid())
        await asyncio.to_thread(srv.stop)

        await wait_until_async(lambda: window.model.stale, what="stale board")
        assert window.status_label.text().startswith("Reconnecting — retrying")
        assert window.stale_banner.isVisible()
        assert "Scores may be out of date" in window.stale_banner.label.text()
        assert window.model.index_of("m").isValid()  # the last scores stay on screen

        srv = await asyncio.to_thread(start_server, "--feed", "none", "--port", str(port))
        window.stale_banner.retry_button.click()  # "Retry now" skips the wait
        await wait_until_async(
            lambda: app.client.state.kind == "live", timeout=20, what="back live"
        )
        assert window.status_label.text() == "Live"
        assert not window.model.stale and not window.stale_banner.isVisible()

    try:
        drive(qloop, app, scenario)
    finally:
        srv.stop()


def test_kickoff_reminder_for_a_favourite_arrives_from_the_timer(qloop, server, make_app, tmp_path):
    settings = Settings(tmp_path / "s.ini")
    settings.favourites = ["Ghana"]
    settings.notifications = {"kinds": ["goal"], "reminder_minutes": 15}
    app = make_app(server.url, settings)
    banner = app.window.notice_banner
    kickoff = datetime.now(UTC) + timedelta(minutes=10, seconds=20)

    async def scenario(_running) -> None:
        async with publisher(server) as http:
            match = {"id": "gha", "home": "Ghana", "away": "Panama", "kickoff": kickoff.isoformat()}
            assert (await http.post("/api/matches", json=match)).status_code == 201
        await wait_until_async(lambda: banner.history, what="reminder")

    drive(qloop, app, scenario)
    assert banner.history[0][0] == "Kick-off in 10 min: Ghana v Panama"
    assert app.window.model.index(0, 0).data() == "Following"


def test_settings_dialog_changes_apply_to_the_rules_and_persist(qtbot, make_app, tmp_path):
    app = make_app("http://127.0.0.1:9", Settings(tmp_path / "s.ini"))
    dialog = app.open_settings()
    box = dialog.source_box
    assert box is not None and box.remote.isChecked() and box.url.text() == "http://127.0.0.1:9"
    dialog.kind_boxes["red_card"].setChecked(True)
    dialog.reminder.setChecked(True)
    dialog.reminder_minutes.setValue(20)
    dialog.start_at_login.setChecked(True)
    dialog.accept()
    assert app.rules.settings.kinds == {"goal", "red_card"}
    assert app.rules.settings.reminder_minutes == 20
    saved = Settings(tmp_path / "s.ini").notifications
    assert saved["kinds"] == ["goal", "red_card"] and saved["reminder_minutes"] == 20
    assert autostart.is_enabled()  # under the test's own XDG_CONFIG_HOME


def test_tray_mutes_set_and_clear_the_rules_mute(make_app):
    app = make_app("http://127.0.0.1:9")
    before = datetime.now(UTC)
    app.mute("hour")
    until_ = app.rules.settings.mute_until
    assert timedelta(minutes=59) < until_ - before <= timedelta(hours=1, seconds=5)
    app.mute("tomorrow")
    tomorrow = app.rules.settings.mute_until.astimezone()
    assert (tomorrow.date() - datetime.now().astimezone().date()).days == 1
    assert (tomorrow.hour, tomorrow.minute) == (6, 0)
    app.set_muted_until(None)
    assert app.rules.settings.mute_until is None


def test_minimized_start_without_a_tray_shows_a_minimized_window(qloop, server, make_app):
    app = make_app(server.url, minimized=True)

    async def scenario(_running) -> None:
        assert app.tray is None  # offscreen: no system tray
        assert app.window.windowState() & Qt.WindowState.WindowMinimized

    drive(qloop, app, scenario)


# --- which server: remembered once it worked, changed or cleared in the settings -------------


def state_of(app: TouchlineApp) -> str | None:
    return app.client.state.kind if app.client else None


def test_a_server_given_for_the_first_time_is_remembered_only_once_it_worked(
    qloop, server, make_app, tmp_path
):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(tmp_path / "s.ini")
    app = make_app(dead, settings, remember_server=True)

    async def never_reached(_running) -> None:
        await wait_until_async(lambda: state_of(app) == "reconnecting", what="a failed try")
        assert app.window.status_label.text().startswith("Not connected — retrying")
        assert "nothing is listening at" in app.window.stale_banner.label.text()

    drive(qloop, app, never_reached, live_first=False)
    assert Settings(tmp_path / "s.ini").server_url is None  # the mistyped server is not kept

    app = make_app(server.url, settings, remember_server=True)

    async def reached(_running) -> None:
        assert Settings(tmp_path / "s.ini").server_url == server.url  # saved as it went live

    drive(qloop, app, reached)


def test_settings_change_the_server_at_once_and_remember_it_once_it_worked(
    qloop, server, make_app, tmp_path
):
    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(tmp_path / "s.ini")
    settings.server_url = dead  # remembered from an earlier run; it has gone away since
    app = make_app(None, settings)
    window = app.window

    async def scenario(_running) -> None:
        async with publisher(server) as http:
            await http.post("/api/matches", json={"id": "m", "home": "A", "away": "B"})
        await wait_until_async(lambda: state_of(app) == "reconnecting", what="a failed try")
        window.stale_banner.settings_button.click()  # "Change server…" opens the settings
        dialog = window.findChild(SettingsDialog)
        assert dialog is not None and dialog.isVisible()
        box = dialog.source_box
        assert box is not None and box.remote.isChecked() and box.url.text() == dead

        box.url.setText("ftp://nowhere")
        dialog.accept()
        assert dialog.isVisible()  # not closed with an address that cannot work
        assert box.test_result.text() == (
            "Not an http(s) server address: 'ftp://nowhere' (e.g. http://localhost:8000)."
        )
        box.url.setText(server.url.removeprefix("http://"))
        box.test_button.click()  # only a server that answers is kept
        await wait_until_async(
            lambda: not box.test_result.text().startswith("Testing"), what="the test's answer"
        )
        dialog.accept()
        assert not dialog.isVisible()
        assert Settings(tmp_path / "s.ini").server_url == dead  # not before it worked

        await wait_until_async(lambda: state_of(app) == "live", what="the new server live")
        await wait_until_async(lambda: "m" in app.board.matches, what="its matches")
        assert window.server_label.text() == server.url
        assert window.status_label.text() == "Live" and not window.stale_banner.isVisible()
        assert Settings(tmp_path / "s.ini").server_url == server.url

    drive(qloop, app, scenario, live_first=False)


@pytest.mark.slow
def test_settings_switch_back_to_the_built_in_demo_forgets_the_server(
    qloop, server, make_app, tmp_path
):
    settings = Settings(tmp_path / "s.ini")
    settings.server_url = server.url
    app = make_app(None, settings, speed=600)

    async def scenario(_running) -> None:
        dialog = app.open_settings()
        assert dialog.source_box is not None
        dialog.source_box.demo.setChecked(True)
        dialog.accept()
        assert Settings(tmp_path / "s.ini").server_url is None  # forgotten at once
        await wait_until_async(lambda: app.embedded is not None, what="the built-in server")
        await wait_until_async(lambda: state_of(app) == "live", timeout=30, what="live")
        assert app.window.server_label.text().endswith("(built-in demo server)")
        await wait_until_async(lambda: len(app.board.matches) == 6, what="the demo's matches")

    drive(qloop, app, scenario)
    assert app.embedded is not None and app.embedded.proc.poll() is not None  # stopped with us


def test_kinds_chosen_for_a_team_reach_the_rules_and_the_settings_file(make_app, tmp_path):
    app = make_app("http://127.0.0.1:9", Settings(tmp_path / "s.ini"))
    app.window.kindsChosen.emit("team", "Arsenal", {"goal", "red_card"})
    assert app.rules.settings.own_kinds("team", "arsenal") == {"goal", "red_card"}
    app.save_state()
    saved = Settings(tmp_path / "s.ini").notifications
    assert saved["team_kinds"] == {"arsenal": ["goal", "red_card"]}
    app.window.kindsChosen.emit("team", "Arsenal", None)
    assert app.rules.settings.own_kinds("team", "Arsenal") is None
