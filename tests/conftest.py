"""Shared test setup. Qt runs headless: the platform must be chosen before Qt is imported."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import pytest


@pytest.fixture(autouse=True)
def _private_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own config home, so QSettings and autostart never touch the user's."""
    home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``TOUCHLINE_TEST_STORE=redis`` (tests/support/serverproc.py): the tests of the SQLite
    file itself (marked ``sqlite``) do not apply, and are deselected, not skipped."""
    if os.environ.get("TOUCHLINE_TEST_STORE") != "redis":
        return
    left = [item for item in items if item.get_closest_marker("sqlite")]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if not item.get_closest_marker("sqlite")]
