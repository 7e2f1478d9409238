"""A real ``redis-server`` (the Debian package's) and a real nginx, started by tests on free
ports in folders of their own.

    with RedisServer() as redis:                       # AOF on, an fsync per write
        start_server("--broker", redis.url)
        redis.restart()                                # same port, same files
        redis.restart(empty=True)                      # same port, nothing kept
    with Nginx([a.port, b.port]) as proxy:             # docs/deploy/nginx.conf's settings
        httpx.get(proxy.url + "/healthz")

A test that needs one fails with a clear message when its program is not installed (.ci/run
installs both); it never skips.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis

from tests.support.logpump import LogPump
from tests.support.stream_fixtures import free_port
from tests.support.wait import wait_until

NGINX_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx.conf"


def need(program: str, package: str) -> str:
    """The path of ``program``, or the test fails saying how to install it."""
    found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin:/sbin")
    if found is None:
        pytest.fail(
            f"{program} is not installed: this test starts a real one "
            f"(apt-get install {package}; .ci/run installs it)",
            pytrace=False,
        )
    return found


class RedisServer:
    """One redis-server on 127.0.0.1, its files in a temporary folder of its own.

    ``appendfsync``: ``always`` (the default here) fsyncs every write before answering, so a
    restart loses nothing acknowledged; ``everysec`` may lose the last second."""

    def __init__(self, *, appendfsync: str = "always", port: int | None = None) -> None:
        self.binary = need("redis-server", "redis-server")
        self.folder = Path(tempfile.mkdtemp(prefix="tl-redis-"))
        self.appendfsync = appendfsync
        self.port = port or free_port()
        self.proc: subprocess.Popen[str] | None = None
        self.output: LogPump | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)

    def start(self) -> None:
        for attempt in range(5):
            argv = [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                self.appendfsync,
                "--maxmemory-policy",
                "noeviction",
                "--protected-mode",
                "no",
                "--daemonize",
                "no",
            ]
            self.proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            assert self.proc.stdout is not None
            self.output = LogPump(self.proc.stdout, f"redis-server on {self.port}")
            try:
                self.output.wait_for_line("Ready to accept connections", 10)
                return
            except AssertionError:
                self.stop()
                if "Address already in use" not in self.log or attempt == 4:
                    raise
                self.port = free_port()  # taken since it was picked: another port

    @property
    def log(self) -> str:
        return self.output.log if self.output else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: Redis fsyncs its file and exits; SIGKILL: a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.output is not None:
            self.output.close()
        self.proc = None

    def restart(self, *, empty: bool = False, down_for: float = 0.0) -> None:
        """Stops Redis (as a crash: SIGKILL), waits ``down_for`` seconds and starts it again
        on the same port; ``empty``: with its files gone, as a Redis without persistence
        comes back."""
        self.stop(signal.SIGKILL)
        if empty:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir()
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Nginx:
    """nginx on 127.0.0.1 in front of servers on ``ports``, configured by the example
    configuration shipped in docs/deploy/nginx.conf (its upstreams and port replaced)."""

    def __init__(self, ports: list[int]) -> None:
        self.binary = need("nginx", "nginx")
        self.folder = Path(tempfile.mkdtemp(prefix="tl-nginx-"))
        self.port = free_port()
        conf = NGINX_EXAMPLE.read_text()
        line = "        server 127.0.0.1:{} max_fails=1 fail_timeout=2s;\n"
        servers = "".join(line.format(p) for p in ports)
        conf, n = re.subn(r"(?m)^\s*server 127\.0\.0\.1:\d+[^\n]*\n", "", conf)
        assert n, "docs/deploy/nginx.conf lists its servers as 'server 127.0.0.1:PORT ...;'"
        conf = conf.replace("upstream touchline {\n", "upstream touchline {\n" + servers)
        conf, n = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{self.port};", conf)
        assert n == 1, "docs/deploy/nginx.conf listens once, on 127.0.0.1:PORT"
        (self.folder / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            [self.binary, "-p", str(self.folder), "-c", "nginx.conf", "-e", "stderr"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        self.output = LogPump(self.proc.stdout, f"nginx on {self.port}")

        def listening() -> bool:
            if self.proc.poll() is not None:
                self.output.close()
                raise AssertionError(f"nginx exited with {self.proc.returncode}:\n{self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False

        wait_until(listening, 10, lambda: f"nginx to listen:\n{self.log}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return self.output.log

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: open streams are closed
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
