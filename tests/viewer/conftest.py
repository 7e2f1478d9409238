"""Fixtures the viewer's Qt tests share (Qt's logging rules are set in tests/conftest.py,
before Qt is imported)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest


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
