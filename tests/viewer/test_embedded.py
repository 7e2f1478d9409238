"""desktop.platform.embedded: the bundled server starts, serves, stops, and never outlives the
viewer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from desktop.platform.embedded import EmbeddedServer, EmbeddedServerError
from tests.support.procfs import alive
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]


def listening_ports(pid: int) -> set[int]:
    """The TCP ports ``pid`` listens on: its sockets' inodes looked up in the kernel's tables."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # an fd closed meanwhile
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):  # no IPv6
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


async def test_start_serves_healthz_and_stop_leaves_no_process() -> None:
    server = EmbeddedServer(feed="demo", speed=30.0)
    url = await server.start()
    pid = server.pid
    try:
        assert url.startswith("http://127.0.0.1:")
        health = httpx.get(url + "/healthz", timeout=5).json()
        assert health["status"] == "ok" and health["matches"] > 0
    finally:
        await server.stop()
    assert pid is not None and not alive(pid)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz", timeout=2)


async def test_the_port_it_reports_is_the_one_its_server_listens_on() -> None:
    server = EmbeddedServer(feed="none")
    url = await server.start()
    try:
        assert server.pid is not None
        assert listening_ports(server.pid) == {urlsplit(url).port}
    finally:
        await server.stop()


async def test_two_embedded_servers_start_at_once_each_on_its_own_port() -> None:
    servers = [EmbeddedServer(feed="none"), EmbeddedServer(feed="none")]
    try:
        urls = await asyncio.gather(*(server.start() for server in servers))
        ports = [urlsplit(url).port for url in urls]
        assert ports[0] != ports[1]
        for server, port, url in zip(servers, ports, urls, strict=True):
            assert server.pid is not None and listening_ports(server.pid) == {port}
            assert httpx.get(url + "/healthz", timeout=5).status_code == 200
    finally:
        for server in servers:
            await server.stop()


async def test_bad_feed_fails_start_with_the_servers_own_message() -> None:
    server = EmbeddedServer(feed="no-such-feed")
    with pytest.raises(EmbeddedServerError, match="no-such-feed"):
        await server.start()
    assert server.pid is not None and not alive(server.pid)


async def test_stop_kills_a_server_that_does_not_answer_sigterm() -> None:
    server = EmbeddedServer(feed="none")
    await server.start()
    pid = server.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # frozen: SIGTERM stays pending, only SIGKILL ends it
    started = time.monotonic()
    code = await server.stop(timeout=0.5)
    assert code == -signal.SIGKILL
    assert time.monotonic() - started < 5
    assert not alive(pid)


PARENT = textwrap.dedent(
    """
    import asyncio, sys, threading
    from desktop.platform.embedded import EmbeddedServer

    server = EmbeddedServer(feed="none")

    async def start():
        url = await server.start()
        print(server.pid, url, flush=True)

    if sys.argv[1] == "thread":  # spawned off the main thread: no PDEATHSIG, the pipe alone
        t = threading.Thread(target=asyncio.run, args=(start(),))
        t.start()
        t.join()
    else:
        asyncio.run(start())
    threading.Event().wait()
    """
)


@pytest.mark.parametrize("spawned_from", ["main", "thread"])
def test_server_dies_when_the_viewer_is_killed(spawned_from: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, spawned_from],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline().split()
        assert line, "the parent did not start the server"
        child, url = int(line[0]), line[1]
        assert httpx.get(url + "/healthz", timeout=5).status_code == 200
        parent.kill()  # SIGKILL: no cleanup code runs in the viewer
        parent.wait()
        wait_until(lambda: not alive(child), 10, f"embedded server {child} to end with its viewer")
    finally:
        parent.kill()
        parent.wait()


async def test_a_provider_token_reaches_the_server_by_environment_never_its_command_line(
    monkeypatch, tmp_path
) -> None:
    from desktop.platform.embedded import ProviderChoice
    from tests.support.provider_payloads import fd_body
    from tests.support.provider_server import ScriptedProvider

    monkeypatch.delenv("TOUCHLINE_PROVIDER_TOKEN", raising=False)
    token = "fd-token-not-on-the-command-line-42"
    with ScriptedProvider([fd_body()]) as provider:
        choice = ProviderChoice("football-data", ("WC",), token, provider.url)
        assert token not in repr(choice)  # nor in any log line that shows the choice
        log_path = tmp_path / "server.log"
        server = EmbeddedServer(feed=None, provider=choice, log_path=log_path)
        url = await server.start()
        try:
            assert server.pid is not None
            cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()
            assert "--provider\0football-data" in cmdline and "--competitions\0WC" in cmdline
            assert token not in cmdline
            await asyncio.to_thread(wait_until, lambda: provider.requests, what="a poll")
            assert provider.requests[0].headers.get("X-Auth-Token") == token
            health = httpx.get(url + "/healthz", timeout=5).json()
            assert health["provider"]["name"] == "football-data"
            assert health["matches"] == 0  # no --feed: no demo matches among real ones
            assert "--feed" not in cmdline and "--loop" not in cmdline
        finally:
            await server.stop()
    assert token not in log_path.read_text()
