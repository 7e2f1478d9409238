"""The app with a tray. Closing the window to it: the first time ever, a notice says
Touchline is still running there and how to quit it; never again, not when quitting, not
without a tray (there, closing quits). Its tooltip: the same minutes as the board at every
tick. The whole app runs on a qasync loop with a private session bus whose notification server
receives what a desktop's daemon would show."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from PySide6.QtGui import QKeySequence, QTextDocument
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.app import TRAY_HINT_TITLE, Hint, Options, TouchlineApp
from desktop.platform.notifiers import NativeNotifier
from desktop.platform.settings import Settings
from desktop.ui.cells import CLOCK
from tests.support.notifyd import NotificationServer, notification_server
from tests.support.wait import wait_until_async

NOWHERE = "http://127.0.0.1:9"  # the stream is not what these tests are about


@pytest.fixture
def with_tray(monkeypatch):
    # Offscreen Qt has no tray host; this stands in for one (the tray icon, its menu and the
    # window's close-to-tray are the app's real ones).
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))


def run_app(
    loop: asyncio.AbstractEventLoop,
    settings: Settings,
    scenario: Callable[[TouchlineApp, NotificationServer, asyncio.Future[int]], Awaitable[None]],
    options: Options | None = None,
) -> TouchlineApp:
    app = TouchlineApp(options or Options(server=NOWHERE), settings)

    async def main() -> None:
        async with notification_server(["body", "actions"]) as notifyd:
            running = asyncio.ensure_future(app.run())
            try:
                await wait_until_async(app.window.isVisible, what="the window")
                assert isinstance(app.notifier, NativeNotifier)
                await asyncio.wait_for(scenario(app, notifyd, running), 30)
            finally:
                app.quit()
                await asyncio.wait_for(running, 15)

    loop.run_until_complete(main())
    return app


async def titles_after_a_marker(app: TouchlineApp, notifyd: NotificationServer) -> list[str]:
    """What the notification server received, once a marker sent after it arrived: a hint the
    app was about to send is in the list by then (one connection keeps their order)."""
    assert app.notifier is not None
    await app.notifier.notify(Hint("marker", ""))
    await wait_until_async(
        lambda: notifyd.received[-1:] and notifyd.received[-1]["summary"] == "marker"
    )
    titles = [sent["summary"] for sent in notifyd.received]
    notifyd.received.clear()
    return titles


def test_the_first_close_to_the_tray_says_touchline_still_runs_and_never_again(
    qloop, qtbot, session_bus, with_tray, tmp_path
):
    settings = Settings(tmp_path / "s.ini")

    async def first_run(app, notifyd, running) -> None:
        assert app.tray is not None and not settings.tray_hint_shown
        app.window.close()
        await wait_until_async(lambda: notifyd.received, what="the hint")
        hint = notifyd.received[0]
        assert hint["summary"] == "Touchline is still running in the tray" == TRAY_HINT_TITLE
        assert "Quit Touchline" in hint["body"] and "open the window" in hint["body"]
        assert not app.window.isVisible() and not running.done()  # hidden, still running
        assert settings.tray_hint_shown
        notifyd.received.clear()
        app.window.show_and_raise()  # as the tray's "Show Touchline" does
        await wait_until_async(app.window.isVisible, what="the window back")
        # The second time by the menu's Close window (Ctrl+W): to the tray, nothing said.
        assert QKeySequence("Ctrl+W") in app.window.close_action.shortcuts()
        app.window.close_action.trigger()
        await wait_until_async(lambda: not app.window.isVisible(), what="closed again")
        assert await titles_after_a_marker(app, notifyd) == ["marker"]
        assert not running.done()

    run_app(qloop, settings, first_run)
    assert Settings(tmp_path / "s.ini").tray_hint_shown  # kept in the settings file

    async def next_run(app, notifyd, running) -> None:
        app.window.close()
        assert await titles_after_a_marker(app, notifyd) == ["marker"]
        assert not app.window.isVisible() and not running.done()

    run_app(qloop, Settings(tmp_path / "s.ini"), next_run)


def test_quitting_says_nothing_about_the_tray(qloop, qtbot, session_bus, with_tray, tmp_path):
    settings = Settings(tmp_path / "s.ini")

    async def quit_from_the_menu(app, notifyd, running) -> None:
        app.window.quit_action.trigger()
        await wait_until_async(running.done, what="the app to finish")
        assert notifyd.received == []

    app = run_app(qloop, settings, quit_from_the_menu)
    assert not app.window.isVisible()
    assert not Settings(tmp_path / "s.ini").tray_hint_shown  # still to say, the first time


def test_without_a_tray_closing_the_window_quits_without_the_hint(
    qloop, qtbot, session_bus, tmp_path
):
    settings = Settings(tmp_path / "s.ini")

    async def close(app, notifyd, running) -> None:
        assert app.tray is None  # offscreen Qt: no tray host
        app.window.close()
        await wait_until_async(running.done, what="the app to finish")
        assert running.result() == 0 and notifyd.received == []

    run_app(qloop, settings, close)
    assert not Settings(tmp_path / "s.ini").tray_hint_shown


def test_the_tray_tooltip_shows_the_boards_minutes_at_every_tick(
    qloop, qtbot, session_bus, with_tray, tmp_path
):
    # The built-in demo at 60x: a match minute every wall second, so the minutes move on
    # between the ticks sampled (once a second each) and a tooltip a tick behind would show.
    options = Options(built_in=True, feed="demo", speed=60)
    samples: list[list[tuple[str, str]]] = []

    def pairs(app: TouchlineApp) -> list[tuple[str, str]]:
        """(the tooltip's line, the board's time cell) for each match the tooltip lists."""
        assert app.tray is not None
        tip = QTextDocument()  # Qt's own tray here: its tooltip is rich text, as shown
        tip.setHtml(app.tray.icon.toolTip())
        lines = tip.toPlainText().replace("\N{NO-BREAK SPACE}", " ").splitlines()
        out = []
        for m in app.board.matches.values():
            line = next((x for x in lines if x.startswith(f"{m.home.name} ")), None)
            if line is not None and line.count(m.away.name):
                out.append((line, app.window.model.index_of(m.id, CLOCK).data()))
        return out

    async def watch(app, _notifyd, _running) -> None:
        await wait_until_async(lambda: pairs(app), timeout=20, what="live matches in the tooltip")
        while len(samples) < 4:
            before = app._ticks
            # Sampled in the loop's next turn after the tick (interval 0): an event arriving
            # later moves the board's cell at once and the tooltip at the next tick, by design.
            await wait_until_async(
                lambda b=before: app._ticks > b, what="the next tick", interval=0
            )
            samples.append(pairs(app))

    run_app(qloop, Settings(tmp_path / "s.ini"), watch, options)
    assert len({tuple(sample) for sample in samples}) > 1  # the minutes did move on
    for sample in samples:
        assert sample
        for line, cell in sample:
            assert line.endswith(f"  {cell}"), (line, cell)
