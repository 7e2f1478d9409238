"""The server's GC policy: settled streams frozen, their garbage collected only when quiet."""

from __future__ import annotations

import asyncio
import gc
import socket
import weakref
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from server.http.app import Settings, create_app
from server.runtime.gc_policy import FREEZE_EVERY, THRESHOLD0, GcPolicy


@dataclass
class Crowd:
    subscribers: int = 0
    departures: int = 0
    last_publish: float = 0.0


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture(autouse=True)
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    gc.collect()


def frozen_garbage() -> weakref.ref:
    node = Node()
    ref = weakref.ref(node)
    gc.freeze()  # as a settled stream's state would be
    del node
    return ref


def test_streams_that_connected_are_frozen_so_collections_skip_them():
    crowd = Crowd()
    policy = GcPolicy(crowd)
    policy.start()
    before = gc.get_freeze_count()
    keep = [Node() for _ in range(100)]
    crowd.subscribers = 100
    policy.step(now=100.0)
    assert gc.get_freeze_count() >= before + 100
    assert keep


def test_frozen_garbage_is_collected_once_many_streams_left_and_nothing_is_published():
    crowd = Crowd(subscribers=1000)
    policy = GcPolicy(crowd, quiet=5.0)
    policy.step(now=10.0)
    ref = frozen_garbage()
    crowd.subscribers, crowd.departures, crowd.last_publish = 200, 800, 20.0
    policy.step(now=26.0)  # quiet for 6 s
    assert ref() is None
    assert len(policy.collections) == 1


def test_no_full_collection_while_goals_are_being_published():
    crowd = Crowd(subscribers=1000)
    policy = GcPolicy(crowd, quiet=5.0)
    ref = frozen_garbage()
    crowd.subscribers, crowd.departures, crowd.last_publish = 0, 1000, 99.0
    policy.step(now=100.0)  # a goal went out a second ago
    assert ref() is not None and policy.collections == []
    policy.step(now=103.0)
    assert policy.collections == []
    policy.step(now=104.0)  # five quiet seconds: now
    assert ref() is None and len(policy.collections) == 1


def test_a_few_leavers_wait_for_the_periodic_collection():
    crowd = Crowd(subscribers=1000)
    policy = GcPolicy(crowd, at_least_every=600.0)
    policy.last_collect = 0.0
    ref = frozen_garbage()
    crowd.subscribers, crowd.departures = 990, 10
    policy.step(now=300.0)
    assert ref() is not None
    policy.step(now=601.0)
    assert ref() is None


def test_a_crowd_connecting_is_frozen_every_few_hundred_streams_so_no_young_collection_runs():
    policy = GcPolicy(Crowd())
    policy.start()
    collections = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        crowd = []
        for _ in range(30 * FREEZE_EVERY):
            crowd.append([Node() for _ in range(100)])  # a stream's worth of tracked objects
            policy.arrived()
    finally:
        gc.callbacks.remove(seen)
    assert len(crowd) * 100 > 10 * THRESHOLD0  # enough to have set off ten collections
    assert collections == []


async def test_the_app_served_in_someone_elses_process_leaves_its_gc_alone():
    # Only the program (server/__main__.py run()) starts the policy: an app a host builds and
    # serves in its own process must not have its collector frozen and retuned under it.
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(create_app(Settings()), lifespan="on", log_config=None)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
            for _ in range(100):
                if server.started:
                    break
                await asyncio.sleep(0.05)
            assert (await client.get("/healthz")).json()["status"] == "ok"
            async with client.stream("GET", "/live-scores") as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                assert (await anext(stream.aiter_bytes())).startswith(b"retry: ")
            await asyncio.sleep(1.5)  # a running policy would have looked at the crowd by now
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
        sock.close()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == frozen
