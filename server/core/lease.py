"""A publisher that must run on one server at a time (the feed replay, a data provider's
poller), when several servers share a store: the one holding a lease in the store runs it, and
another takes over from the stored progress if that server dies or loses the store.

The lease expires ``LEASE_TTL`` seconds after its last renewal, so a server killed with
``kill -9`` is replaced within that time. Its holder renews it three times per TTL and stops
the publisher once it cannot (the lease lost to another server, or the store unreachable for
most of a TTL). The store also refuses every append the publisher makes once its server no
longer holds the lease (``LeaseLost``: the lease is named in the publisher's context,
``store.base.fence``), so even a server that was paused (SIGSTOP, a long GC) past its lease
can never publish a step twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from server.core.broker import Broker
from server.store.base import LeaseLost, SharedLog, Unreachable, fence

log = logging.getLogger("touchline.lease")

#: Seconds a lease lasts without renewal: how long a dead holder's publisher is missing.
LEASE_TTL = 6.0
#: Seconds between tries at a lease another server holds.
WAIT = 1.0

Work = Callable[[], Coroutine[Any, Any, None]]


async def run_alone(broker: Broker, name: str, work: Work) -> None:
    """Runs ``work`` (e.g. the feed replay) on one server at a time among those sharing the
    broker's store; on a store of its own, simply runs it. Returns when ``work`` does; cancel
    to stop. ``name`` names the lease (the replay's progress key, say)."""
    shared = broker.shared
    if shared is None:
        return await work()
    waiting_logged = False
    while True:
        try:
            held = await shared.acquire(name, LEASE_TTL)
        except Unreachable:
            held = False
        if not held:
            if not waiting_logged:
                log.info("%s runs on another server; this one takes over if it stops", name)
                waiting_logged = True
            await asyncio.sleep(WAIT)
            continue
        waiting_logged = False
        log.info("%s runs on this server (lease held in the store)", name)
        try:
            # The stored progress is read once caught up with every server's events.
            await broker.catch_up_store()
            if await _hold(shared, name, work):
                return
        except Unreachable:
            pass
        finally:
            with contextlib.suppress(Unreachable):
                await shared.release(name)
        await asyncio.sleep(WAIT)


async def _hold(shared: SharedLog, name: str, work: Work) -> bool:
    """Runs ``work`` while renewing the lease; True once it finished, False when it was
    stopped (the lease lost, the store unreachable) and must be taken up again later."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    context.run(fence.set, name)  # its appends are refused once the lease is lost
    task = loop.create_task(work(), name=name, context=context)
    renewed = loop.time()
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=LEASE_TTL / 3)
            if done:
                try:
                    task.result()
                except (Unreachable, LeaseLost) as exc:
                    log.warning("%s stopped on this server: %s", name, exc)
                    return False
                return True
            try:
                kept = await shared.renew(name, LEASE_TTL)
            except Unreachable:
                kept = loop.time() - renewed < LEASE_TTL * 2 / 3
            else:
                renewed = loop.time()
            if not kept:
                log.warning("%s: the lease is lost; stopping it on this server", name)
                return False
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Unreachable, LeaseLost):
            await task
