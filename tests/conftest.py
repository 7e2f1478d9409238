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


#: Left out of a run on Redis besides the ``sqlite`` tests: the provider's scenarios wait for
#: "polled twice, so published", which holds with a local SQLite commit but is a race with a
#: Redis round trip per event on a loaded machine; what they test is the poller, not the store.
NOT_ON_REDIS = ("tests/server/test_provider_server.py::",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``TOUCHLINE_TEST_STORE=redis`` (tests/support/serverproc.py): the tests of the SQLite
    file itself (marked ``sqlite``) do not apply, and are deselected, not skipped; so are
    those in NOT_ON_REDIS."""
    if os.environ.get("TOUCHLINE_TEST_STORE") != "redis":
        return

    def left_out(item: pytest.Item) -> bool:
        return bool(item.get_closest_marker("sqlite")) or item.nodeid.startswith(NOT_ON_REDIS)

    left = [item for item in items if left_out(item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if not left_out(item)]
