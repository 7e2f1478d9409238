"""Fixtures the viewer's Qt tests share (Qt's logging rules are set in tests/conftest.py,
before Qt is imported)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from desktop.core.state import Scoreboard
from desktop.platform.settings import Settings
from tests.support.notifyd import start_bus


@pytest.fixture
def qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop (the app's own kind) on the test's QApplication; closed and unset after."""
    from desktop.platform.qasync_compat import QEventLoop

    qapp.setQuitOnLastWindowClosed(False)  # as the app's own bootstrap does
    loop = QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def session_bus(monkeypatch, tmp_path) -> Iterator[str]:
    """A private session bus, so the tests never talk to the desktop they run on."""
    proc, address = start_bus(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield address
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def make_model(qapp, qtlog):
    """Builds models watched by Qt's own QAbstractItemModelTester; fails on any complaint."""
    from PySide6.QtTest import QAbstractItemModelTester

    from desktop.ui.model import ScoreboardModel

    made = []

    def make(board: Scoreboard, **kw) -> ScoreboardModel:
        model = ScoreboardModel(board, **kw)
        tester = QAbstractItemModelTester(
            model, QAbstractItemModelTester.FailureReportingMode.Warning
        )
        made.append((model, tester))
        return model

    yield make
    for model, _tester in made:
        model.detach()
    failures = [r.message for r in qtlog.records if "FAIL" in r.message]
    assert not failures, failures


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(tmp_path / "touchline.ini")


@pytest.fixture
def make_window(qtbot, settings):
    """Builds main windows on a board (``settings=`` another Settings), detached after."""
    from desktop.ui.window import MainWindow

    made: list[MainWindow] = []

    def make(board: Scoreboard, **kw) -> MainWindow:
        window = MainWindow(board, kw.pop("settings", settings), **kw)
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.detach()
