"""Delivering a burst without freezing the window. Plain asyncio, no Qt.

A resume can bring thousands of missed events in a few reads. :class:`BurstRuns` hands them on
in runs of at most ``burst_seconds`` of work, each run inside ``batch()`` (e.g.
:meth:`desktop.core.state.Scoreboard.batch`, so the window redraws once per run), with a turn of the
event loop between runs: the window keeps painting and answering while it catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: A read that came back sooner than this after the last delivery did not wait for data.
RUN_GAP = 0.001


class BurstRuns:
    """Times the runs of one stream; a run may span several :meth:`deliver` calls."""

    def __init__(
        self,
        batch: Callable[[], contextlib.AbstractContextManager[object]] | None = None,
        burst_seconds: float = 0.010,
    ) -> None:
        self.batch = batch or contextlib.nullcontext
        self.burst_seconds = burst_seconds
        self._run_start = self._run_end = 0.0  # the current run (monotonic)

    async def deliver(self, things: Sequence[T], handle: Callable[[T], None]) -> None:
        """Calls ``handle`` on each of ``things`` in order, in runs (nothing is handled twice or
        skipped: a cancellation at a turn of the loop drops only what was not handled yet).

        A run spans reads: httpx hands over one HTTP chunk at a time (one event each, from
        this server) and returns buffered ones without a turn of the loop, so a run only
        starts afresh after a read that had to wait for data."""
        now = time.monotonic()
        if now - self._run_end > RUN_GAP:
            self._run_start = now
        done, total = 0, len(things)
        while done < total:
            if time.monotonic() - self._run_start >= self.burst_seconds:
                await asyncio.sleep(0)
                self._run_start = time.monotonic()
            with self.batch():
                while done < total:
                    handle(things[done])
                    done += 1
                    if time.monotonic() - self._run_start >= self.burst_seconds:
                        break
        self._run_end = time.monotonic()
