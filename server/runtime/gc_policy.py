"""A deliberate garbage-collector policy for a server that holds thousands of streams.

Each open stream keeps about a hundred GC-tracked objects (request scope, protocol, tasks).
With 10,000 streams a full collection walks millions of objects and stops the loop for
seconds, and CPython triggers one whenever the long-lived population grows by a quarter: while
crowds connect, and at a random moment while a goal is being fanned out. That pause, not the
fan-out loop, set the p99 delivery latency (benchmarks/fanout/bench.py --gc).

So: objects that have lived through a settling period are frozen (``gc.freeze()`` moves them
to the permanent generation, which collections skip), and collections then only walk what is
new; while a crowd connects, every few hundred new streams are frozen at once, so not even a
young collection runs. Frozen garbage is never collected, though (a stream that ends with an
exception leaves reference cycles behind); so when enough frozen streams have gone, and no
event has been published for a while, the policy unfreezes and collects once, at that quiet
moment, then freezes again, and hands the freed pages back to the system (``allocator``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Protocol

from server.runtime import allocator

log = logging.getLogger("touchline.gc")

THRESHOLD0 = 50_000
#: Fewer streams gone than this are not worth a full collection (unless overdue).
MIN_LEFT = 50
#: While a crowd connects, freeze after this many new streams: a stream's state is about a
#: hundred GC-tracked objects, so the young generation never reaches THRESHOLD0 and is never
#: walked (a young collection would walk THRESHOLD0 objects that are all alive, a share of a
#: crowd's connect time worth saving: docs/performance.md).
FREEZE_EVERY = 200


class Crowd(Protocol):
    subscribers: int  # streams open now
    departures: int  # streams closed since start
    last_publish: float  # monotonic time of the latest publish


class GcPolicy:
    def __init__(
        self,
        crowd: Crowd,
        *,
        every: float = 1.0,
        quiet: float = 5.0,
        churn: float = 0.25,
        at_least_every: float = 600.0,
    ) -> None:
        self.crowd = crowd
        self.every, self.quiet, self.churn = every, quiet, churn
        self.at_least_every = at_least_every  # also collect frozen garbage this often, if quiet
        self.seen_departures = crowd.departures
        self.seen_open = crowd.subscribers
        self.left = 0  # streams gone since the latest full collection
        self.last_collect = time.monotonic()
        self.collections: list[float] = []  # seconds each quiet collection took
        self.arrivals = 0

    def start(self) -> None:
        """Once start-up is over: everything alive now (modules, the app) lives for good."""
        gc.collect()
        gc.freeze()
        # Fewer, larger young collections: a crowd connecting allocates millions of objects,
        # nearly all freed by reference counting; at the default 700 the collector ran
        # dozens of times a second through them, and through gen 2 often enough to take a
        # good part of a crowd's connect time (docs/performance.md).
        gc.set_threshold(THRESHOLD0, 50, 50)

    def arrived(self) -> None:
        """A stream opened. Freezing resets the young generation's count, and costs the same
        however much it moves (it joins two lists)."""
        self.arrivals += 1
        if self.arrivals % FREEZE_EVERY == 0:
            gc.freeze()

    def step(self, now: float) -> None:
        """One look at the crowd; called every ``every`` seconds."""
        crowd = self.crowd
        self.left += crowd.departures - self.seen_departures
        changed = crowd.departures != self.seen_departures or crowd.subscribers != self.seen_open
        self.seen_departures, self.seen_open = crowd.departures, crowd.subscribers
        quiet = now - crowd.last_publish >= self.quiet
        population = max(crowd.subscribers + self.left, 1)
        many_left = self.left >= max(MIN_LEFT, self.churn * population)
        overdue = self.left and now - self.last_collect >= self.at_least_every
        if quiet and (many_left or overdue):
            started = time.perf_counter()
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            given_back = allocator.give_back()  # the pages the crowd's objects used
            self.collections.append(time.perf_counter() - started)
            log.info(
                "collected after %d streams left (%d still open) in %.2f s%s",
                self.left,
                crowd.subscribers,
                self.collections[-1],
                ", free memory given back" if given_back else "",
            )
            self.left, self.last_collect = 0, now
        elif changed:
            # Streams that connected since the last look have settled: their state is
            # long-lived from now on. Freezing is cheap (it moves lists, it walks nothing).
            gc.freeze()

    async def run(self) -> None:
        self.start()
        while True:
            await asyncio.sleep(self.every)
            self.step(time.monotonic())
