"""Runs the real ``touchline-server`` in a subprocess for tests (no ASGI-transport shortcuts).
Every test server starts through :func:`start_server`, in one of three forms:

    srv = server_fixture("--feed", "none")        # a fixture: one server for the module
    with run_server("--feed", "none") as srv:     # one for a test, stopped at the block's end
        httpx.get(srv.url + "/healthz")
    first = start_server(...); first.kill()       # a crash and a restart, stopped by the test

The server binds port 0 and logs the URL it got, so there is no free-port race (a restart on
the same address passes ``--port str(first.port)``). Its output is pumped into ``srv.lines``.
A start that is meant to fail (exit status 2 and a message) goes through :func:`run_cli`.

``TOUCHLINE_TEST_STORE=redis`` runs every server started here on Redis instead of SQLite
(``--broker``, a real redis-server from tests/support/services.py), so the same contract
tests check both stores: a server given ``--store PATH`` (or a data folder in ``env``) gets a
Redis kept for that path, which a restarted server finds again as it would the file;
``:memory:`` and no store at all get a fresh Redis, stopped with the server. Tests of the
SQLite file itself are marked ``sqlite`` and left out of such a run (tests/conftest.py).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.logpump import LogPump
from tests.support.services import RedisServer
from tests.support.wait import wait_until

_LISTENING = re.compile(r"listening on (http://\S+)")

#: ``sqlite`` (the default) or ``redis``: the store every server started here uses.
TEST_STORE = os.environ.get("TOUCHLINE_TEST_STORE", "sqlite")
#: Redis mode: the Redis standing for each durable store (a path, a data folder and feed).
_KEPT_REDIS: dict[str, RedisServer] = {}


@atexit.register
def _stop_kept_redis() -> None:
    for redis in _KEPT_REDIS.values():
        redis.close()


def _on_redis(args: tuple[str, ...], env: dict | None) -> tuple[list[str], RedisServer | None]:
    """Redis mode: ``args`` with their store replaced by a Redis broker, and the Redis to
    stop with the server (None when it is kept for a durable store, or named by the test)."""
    argv = list(args)
    if TEST_STORE != "redis" or any(a.startswith("--broker") for a in argv):
        return argv, None
    store = None
    for i, arg in enumerate(argv):
        if arg == "--store":
            store = argv[i + 1]
            del argv[i : i + 2]
            break
        if arg.startswith("--store="):
            store = arg.partition("=")[2]
            del argv[i]
            break
    feed = argv[argv.index("--feed") + 1] if "--feed" in argv else "demo"
    if store is None and env and "XDG_DATA_HOME" in env:
        store = f"{env['XDG_DATA_HOME']}/{feed}"  # the default store of that data folder
    if store is None or store == ":memory:":
        redis = RedisServer()
        return [*argv, "--broker", redis.url], redis
    if store not in _KEPT_REDIS:
        _KEPT_REDIS[store] = RedisServer()
    return [*argv, "--broker", _KEPT_REDIS[store].url], None


@dataclass
class ServerProcess:
    args: tuple[str, ...]
    token: str
    proc: subprocess.Popen[str]
    output: LogPump  # stdout and stderr, as one log
    url: str = ""
    own_data: str | None = None  # a data folder made for this server alone, removed at stop
    own_redis: RedisServer | None = None  # Redis mode: a Redis for this server alone

    @property
    def lines(self) -> list[str]:
        return self.output.lines

    @property
    def log(self) -> str:
        return self.output.log

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None, self.url
        return port

    def wait_for_line(self, pattern: str | re.Pattern[str], timeout: float = 10.0) -> re.Match[str]:
        return self.output.wait_for_line(pattern, timeout)

    def wait_ready(self, timeout: float = 20.0) -> None:
        def answering() -> bool:
            if self.proc.poll() is not None:
                self.output.close()  # the whole log, for the message
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log}")
            if not self.url and (found := self.output.search(_LISTENING)):
                self.url = found.group(1)
            if not self.url:
                return False
            with contextlib.suppress(httpx.HTTPError):
                health = httpx.get(self.url + "/healthz", timeout=2, trust_env=False)
                return health.status_code == 200
            return False

        wait_until(answering, timeout, lambda: f"the server to answer /healthz:\n{self.log}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output.close()  # its last lines are read once the process is gone
        if self.own_data:
            shutil.rmtree(self.own_data, ignore_errors=True)
        if self.own_redis is not None:
            self.own_redis.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.stop(signal.SIGKILL)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def add_match(self, **body: object) -> str:
        """Publishes a match through the API (a 201 is asserted); returns its id."""
        r = httpx.post(f"{self.url}/api/matches", json=body, headers=self.headers())
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def publish(self, match_id: str, **event: object) -> str:
        """Publishes an event through the API (a 201 is asserted); returns its id."""
        url = f"{self.url}/api/matches/{match_id}/events"
        r = httpx.post(url, json=event, headers=self.headers())
        assert r.status_code == 201, r.text
        return r.json()["id"]


def start_server(
    *args: str,
    token: str | None = None,
    env: dict | None = None,
    publish: bool = True,
    limits: dict[int, int] | None = None,
) -> ServerProcess:
    """Starts ``python -m server`` with ``args`` (port 0 unless given) and waits until ready.

    A random publish token is passed unless ``publish`` is false or the args name one.
    ``limits``: resource limits for the server process alone, ``{resource.RLIMIT_NOFILE:
    512}`` (soft and hard), set in the child before it runs the server."""
    token = token or secrets.token_urlsafe(16)
    argv = [sys.executable, "-m", "server", "--log-level", "info"]
    if "--port" not in args:
        argv += ["--port", "0"]
    if publish and not any(a.startswith("--publish-token") for a in args):
        argv += [f"--publish-token={token}"]  # "=": a token may start with "-"
    server_args, own_redis = _on_redis(args, env)
    argv += server_args
    # The default durable store lives in the user's data folder: give each server a fresh one
    # (tests that restart a server pass the same XDG_DATA_HOME, or --store, again).
    own_data = None if env and "XDG_DATA_HOME" in env else tempfile.mkdtemp(prefix="tl-data-")
    extra = {**(env or {}), **({"XDG_DATA_HOME": own_data} if own_data else {})}
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # uvicorn's access log (debug level) goes to stdout
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if k != "TOUCHLINE_PUBLISH_TOKEN"},
            **extra,
        },
        preexec_fn=functools.partial(_set_limits, limits) if limits else None,
    )
    assert proc.stdout is not None
    output = LogPump(proc.stdout, f"the server (pid {proc.pid})")
    srv = ServerProcess(tuple(args), token, proc, output, own_data=own_data, own_redis=own_redis)
    try:
        srv.wait_ready()
    except BaseException:
        srv.kill()
        raise
    return srv


def _set_limits(limits: dict[int, int]) -> None:
    import resource

    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


@contextlib.contextmanager
def run_server(
    *args: str,
    token: str | None = None,
    env: dict | None = None,
    publish: bool = True,
    limits: dict[int, int] | None = None,
) -> Iterator[ServerProcess]:
    """:func:`start_server`, stopped (SIGTERM) when the block ends."""
    srv = start_server(*args, token=token, env=env, publish=publish, limits=limits)
    try:
        yield srv
    finally:
        srv.stop()


def server_fixture(
    *args: str,
    scope: Literal["function", "module"] = "module",
    token: str | None = None,
    env: dict | None = None,
    publish: bool = True,
) -> Callable[..., object]:
    """A pytest fixture running one server for its ``scope``; pytest names it after the
    variable it is assigned to, in the test module: ``srv = server_fixture("--feed", "none")``.
    """

    @pytest.fixture(scope=scope)
    def server() -> Iterator[ServerProcess]:
        with run_server(*args, token=token, env=env, publish=publish) as srv:
            yield srv

    return server


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs ``python -m server`` with ``args`` to its end, output captured: for --help,
    --version, and starts that are meant to fail with an exit status and a message. Its data
    folder is its own, so a store left in the user's by another server is never read."""
    with tempfile.TemporaryDirectory(prefix="tl-data-") as data:
        return subprocess.run(
            [sys.executable, "-m", "server", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "XDG_DATA_HOME": data},
        )


def subscribers(url: str) -> int:
    """How many streams the server at ``url`` counts as open."""
    return httpx.get(f"{url}/healthz").json()["subscribers"]
