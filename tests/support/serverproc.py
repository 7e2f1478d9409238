"""Runs the real ``touchline-server`` in a subprocess for tests (no ASGI-transport shortcuts).

    with run_server("--feed", "none") as srv:
        httpx.get(srv.url + "/healthz")

The server binds port 0 and logs the URL it got, so there is no free-port race.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx

_LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class ServerProcess:
    args: tuple[str, ...]
    token: str
    proc: subprocess.Popen[str]
    url: str = ""
    own_data: str | None = None  # a data folder made for this server alone, removed at stop
    lines: list[str] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event)
    _pump_thread: threading.Thread | None = None

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            found = _LISTENING.search(line)
            if found and not self.url:
                self.url = found.group(1)
        self._ready.set()  # the process ended: unblock a waiter

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.url:
                with contextlib.suppress(httpx.HTTPError):
                    health = httpx.get(self.url + "/healthz", timeout=2, trust_env=False)
                    if health.status_code == 200:
                        return
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log}")
            time.sleep(0.05)
        raise TimeoutError(f"server not ready after {timeout}s:\n{self.log}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._pump_thread is not None:
            self._pump_thread.join(5)  # it ends at EOF, now that the process is gone
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        if self.own_data:
            shutil.rmtree(self.own_data, ignore_errors=True)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.stop(signal.SIGKILL)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def start_server(
    *args: str, token: str | None = None, env: dict | None = None, publish: bool = True
) -> ServerProcess:
    """Starts ``python -m server`` with ``args`` (port 0 unless given) and waits until ready.

    A random publish token is passed unless ``publish`` is false or the args name one."""
    token = token or secrets.token_urlsafe(16)
    argv = [sys.executable, "-m", "server", "--log-level", "info"]
    if "--port" not in args:
        argv += ["--port", "0"]
    if publish and not any(a.startswith("--publish-token") for a in args):
        argv += [f"--publish-token={token}"]  # "=": a token may start with "-"
    argv += list(args)
    # The default durable store lives in the user's data folder: give each server a fresh one
    # (tests that restart a server pass the same XDG_DATA_HOME, or --store, again).
    own_data = None if env and "XDG_DATA_HOME" in env else tempfile.mkdtemp(prefix="tl-data-")
    env = {"XDG_DATA_HOME": own_data, **(env or {})} if own_data else env
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if k != "TOUCHLINE_PUBLISH_TOKEN"},
            **env,
        },
    )
    srv = ServerProcess(tuple(args), token, proc, own_data=own_data)
    srv._pump_thread = threading.Thread(target=srv._pump, daemon=True)
    srv._pump_thread.start()
    try:
        srv.wait_ready()
    except BaseException:
        srv.kill()
        raise
    return srv


@contextlib.contextmanager
def run_server(
    *args: str, token: str | None = None, env: dict | None = None, publish: bool = True
) -> Iterator[ServerProcess]:
    srv = start_server(*args, token=token, env=env, publish=publish)
    try:
        yield srv
    finally:
        srv.stop()
