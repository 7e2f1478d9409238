"""The bundled server, started by the viewer when no server is configured.

    server = EmbeddedServer()       # the server's defaults (server.config): the demo feed
    url = await server.start()      # http://127.0.0.1:<port>, once /healthz answers
    ...
    await server.stop()             # SIGTERM, wait, SIGKILL fallback

The server picks a free port itself (``--port 0``) and says which in a file
(``--port-file``), so no other program can take the port between a probe and the bind.

Child process, not a thread (``benchmarks/viewer/embedded_startup.py`` measures both; the
figures are in docs/performance.md). A thread starts a little sooner, because the viewer
already imported pydantic and httpx, but it imports FastAPI and parses the feed under the
viewer's GIL, and that shows as UI stalls of a frame or two; while serving, both measure
alike. A once-per-launch start-up, shown as "connecting…" in a window that is already up, is
the cheaper cost; the child also keeps a server crash out of the viewer and stops by signal.

No orphans: the child is
``python -m desktop.platform.embedded --watch-fd N -- <server args>``, a small
launcher that (1) on Linux sets ``PR_SET_PDEATHSIG`` = SIGTERM for itself (no ``preexec_fn``,
which is unsafe once Qt has threads) and checks the parent did not die before that (only when
started from the main thread: the signal fires when the forking *thread* ends), and (2)
watches a pipe whose write end only the viewer holds: EOF means the viewer is gone (also on
macOS), so the child terminates itself. It runs in its own session, so a terminal's Ctrl-C goes
to the viewer, which then stops the server in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from server.config import DEFAULTS

log = logging.getLogger("touchline.embedded")


#: Where the server reads a provider's token (its --provider-token default): the child gets it
#: by environment, never on its command line, where ``ps`` would show it to every user.
TOKEN_ENV = "TOUCHLINE_PROVIDER_TOKEN"


@dataclass(frozen=True)
class ProviderChoice:
    """A live data provider for the embedded server to follow (its ``--provider`` options)."""

    name: str  # one of server.config.PROVIDERS
    competitions: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)  # never in a repr, so never logged
    url: str | None = None

    def server_args(self) -> list[str]:
        args = ["--provider", self.name]
        if self.competitions:
            args += ["--competitions", ",".join(self.competitions)]
        if self.url:
            args += ["--provider-url", self.url]
        return args


class EmbeddedServerError(RuntimeError):
    """The bundled server did not come up; the message includes the end of its log."""


def written_port(path: Path) -> int | None:
    """The port a server started with ``--port-file PATH`` wrote there (the number and a
    newline, once it listens), or None while it has not."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    return int(text) if text.endswith("\n") else None


class EmbeddedServer:
    """Runs ``python -m server`` on a loopback port of its choosing for as long as the viewer
    lives."""

    def __init__(
        self,
        feed: str | None = DEFAULTS.feed,
        speed: float = DEFAULTS.speed,
        *,
        provider: ProviderChoice | None = None,
        loop: bool = True,
        store: str | None = ":memory:",
        heartbeat: float | None = None,
        extra_args: tuple[str, ...] = (),
        log_path: Path | None = None,
        startup_timeout: float = 30.0,
        python: str = sys.executable,
    ) -> None:
        #: None: no --feed (with a provider, the server then replays nothing: real matches only).
        self.feed, self.speed, self.loop, self.heartbeat = feed, speed, loop, heartbeat
        self.provider = provider
        #: ``:memory:`` by default: the port (so the URL) is new each launch, so a saved stream
        #: id could never resume anyway, and a durable store file is locked by one server, so
        #: a second viewer's demo would fail. None = the server's default durable store.
        self.store = store
        self.extra_args = extra_args
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.python = python
        self.proc: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self._lifeline: int | None = None  # write end of the pipe the child watches
        self._log: IO[bytes] | None = None
        self._port_file: Path | None = None  # where the child writes the port it got

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def server_args(self, port_file: Path) -> list[str]:
        args = ["--host", "127.0.0.1", "--port", "0", "--port-file", str(port_file)]
        if self.feed is not None:
            args += ["--feed", self.feed]
        args += ["--speed", f"{self.speed:g}", "--log-level", "warning"]
        if self.loop and self.feed is not None:
            args.append("--loop")
        if self.provider is not None:
            args += self.provider.server_args()
        if self.heartbeat:
            args += ["--heartbeat", f"{self.heartbeat:g}"]
        if self.store is not None:
            args += ["--store", self.store]
        return args + list(self.extra_args)

    async def start(self) -> str:
        """Starts the server and returns its base URL once ``/healthz`` answers."""
        deadline = time.monotonic() + self.startup_timeout
        self._spawn()
        try:
            port = await self._wait_port(deadline)
            self.url = await self._wait_healthy(f"http://127.0.0.1:{port}", deadline)
        except EmbeddedServerError:
            await self.stop()
            raise
        log.info("embedded server (pid %s) at %s", self.pid, self.url)
        return self.url

    def _spawn(self) -> None:
        fd, name = tempfile.mkstemp(prefix="touchline-port-")
        os.close(fd)  # empty until the server writes its port
        self._port_file = Path(name)
        read_end, self._lifeline = os.pipe()
        if self.log_path is not None:
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the child
        else:
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        # PDEATHSIG fires when the forking *thread* ends: only ask for it from the main thread.
        pdeathsig = "1" if threading.current_thread() is threading.main_thread() else "0"
        argv = [self.python, "-m", "desktop.platform.embedded", "--watch-fd", str(read_end)]
        argv += ["--parent-pid", str(os.getpid()), "--pdeathsig", pdeathsig]
        argv += ["--", *self.server_args(self._port_file)]
        root = str(Path(__file__).resolve().parents[2])  # finds `desktop` from a checkout
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path}
        if self.provider is not None and self.provider.token:
            env[TOKEN_ENV] = self.provider.token
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                pass_fds=(read_end,),
                start_new_session=True,
                env=env,
            )
        finally:
            os.close(read_end)

    async def _wait_port(self, deadline: float) -> int:
        assert self._port_file is not None
        while time.monotonic() < deadline:
            self._fail_if_exited()
            port = written_port(self._port_file)
            if port is not None:
                self._drop_port_file()  # read: nothing left behind should the viewer be killed
                return port
            await asyncio.sleep(0.02)
        raise EmbeddedServerError(f"no port after {self.startup_timeout:g} s: {self._log_tail()}")

    async def _wait_healthy(self, url: str, deadline: float) -> str:
        import httpx  # only the parent needs it; keeps the child's start lean

        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                self._fail_if_exited()
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url + "/healthz")).status_code == 200:
                        return url
                await asyncio.sleep(0.05)
        raise EmbeddedServerError(f"no answer after {self.startup_timeout:g} s: {self._log_tail()}")

    def _fail_if_exited(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            code = self.proc.returncode if self.proc else None
            raise EmbeddedServerError(f"server exited ({code}): {self._log_tail()}")

    def _log_tail(self, size: int = 2000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        with open(self._log.fileno(), "rb", closefd=False) as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - size))
            return f.read().decode("utf-8", "replace").strip()

    async def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, wait up to ``timeout``, then SIGKILL; returns the exit code."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            if not await _wait(proc, timeout):
                log.warning("embedded server ignored SIGTERM; killing it")
                proc.kill()
                await _wait(proc, 5.0)
        self._release()
        return proc.returncode if proc else None

    def stop_sync(self, timeout: float = 5.0) -> None:
        """The same as :meth:`stop`, blocking; for teardown when no loop runs any more."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._release()

    def _release(self) -> None:
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self._drop_port_file()

    def _drop_port_file(self) -> None:
        if self._port_file is not None:
            self._port_file.unlink(missing_ok=True)
            self._port_file = None


async def _wait(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


# --- the child side ---------------------------------------------------------------------------


def _die_with_parent(parent_pid: int, watch_fd: int, pdeathsig: bool) -> None:
    if pdeathsig and sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before we could ask
        os._exit(0)

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(watch_fd, 1):
                pass
        os.kill(os.getpid(), signal.SIGTERM)  # graceful first (uvicorn handles it)
        time.sleep(5)
        os._exit(1)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def _child_main(argv: list[str]) -> None:
    split = argv.index("--")
    own, server_args = argv[:split], argv[split + 1 :]
    opts = dict(zip(own[::2], own[1::2], strict=True))
    _die_with_parent(
        int(opts["--parent-pid"]), int(opts["--watch-fd"]), opts.get("--pdeathsig") == "1"
    )
    from server.__main__ import main

    main(server_args, own_process=True)  # this child is the server's alone: its GC policy on


if __name__ == "__main__":
    _child_main(sys.argv[1:])
