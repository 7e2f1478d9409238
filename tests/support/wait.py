"""Waiting for something to become true: the tests' one polling loop, and its async twin.

    wait_until(lambda: subscribers(url) == 0, 10, "the subscribers to leave")
    await wait_until_async(lambda: v.now() == "live", what="the viewer to go live")

Each returns what the condition returned (so a wait can hand over what it found) and fails
with "timed out after Ns waiting for <what>". ``what`` may be a function, called only on
timeout, to add what was seen by then (a log, a board). A condition may raise to give up at
once, e.g. when the process it waits on has exited. Qt tests wait with pytest-qt's own
``qtbot.waitUntil``, which turns the Qt event loop while it waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

What = str | Callable[[], str]


def wait_until(
    condition: Callable[[], T | None],
    timeout: float = 10.0,
    what: What = "",
    *,
    interval: float = 0.05,
) -> T:
    """Polls ``condition`` every ``interval`` s until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(_timed_out(condition, timeout, what))
        time.sleep(interval)
    return result


async def wait_until_async(
    condition: Callable[[], T | None],
    timeout: float = 10.0,
    what: What = "",
    *,
    interval: float = 0.02,
) -> T:
    """:func:`wait_until` for a test on an event loop: sleeps without blocking the loop."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(_timed_out(condition, timeout, what))
        await asyncio.sleep(interval)
    return result


def _timed_out(condition: Callable[[], object], timeout: float, what: What) -> str:
    said = what() if callable(what) else what
    return f"timed out after {timeout}s waiting for {said or condition}"
