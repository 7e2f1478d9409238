"""``touchline`` as a user runs it (a subprocess, offscreen): signals quit cleanly, the
built-in server goes with it, and the server choice is remembered."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.support.logpump import LogPump
from tests.support.procfs import alive
from tests.support.serverproc import run_server
from tests.support.stream_fixtures import free_port
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
TOUCHLINE = str(Path(sys.executable).with_name("touchline"))
BAD_SIGNS = ("Task was destroyed", "Traceback", "Fatal Python error", "was never awaited")


class Viewer:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
        for name in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [TOUCHLINE, "-v", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.proc.stderr is not None
        self.output = LogPump(self.proc.stderr, "the viewer")

    @property
    def log(self) -> str:
        return self.output.log

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        return self.output.wait_for_line(pattern, timeout)

    def stop(self, sig: int, timeout: float = 20.0) -> int:
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(
                f"viewer still running {timeout} s after {sig}:\n{self.log}"
            ) from None
        self.output.close()
        return code


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_quits_cleanly_and_stops_the_built_in_server(tmp_path, sig):
    viewer = Viewer(tmp_path, "--speed", "120")
    pid = int(viewer.wait_for(r"embedded server \(pid (\d+)\)").group(1))
    viewer.wait_for(r"stream live")
    assert alive(pid)

    code = viewer.stop(sig)

    assert code == 0, viewer.log
    for sign in BAD_SIGNS:
        assert sign not in viewer.log
    wait_until(lambda: not alive(pid), 5, "the built-in server to end with the viewer")


@pytest.mark.slow
def test_server_option_is_remembered_until_embedded_is_asked_for(tmp_path):
    with run_server("--feed", "none", "--store", ":memory:") as srv:
        first = Viewer(tmp_path, "--server", srv.url)
        first.wait_for(rf"following {re.escape(srv.url)}$")
        first.wait_for(r"stream live")
        assert first.stop(signal.SIGTERM) == 0

        again = Viewer(tmp_path)  # no option: the remembered server
        again.wait_for(rf"following {re.escape(srv.url)}$")
        assert again.stop(signal.SIGTERM) == 0

    back = Viewer(tmp_path, "--embedded")
    back.wait_for(r"following http://127\.0\.0\.1:\d+ \(built-in server\)")
    assert back.stop(signal.SIGTERM) == 0
    for viewer in (first, again, back):
        for sign in BAD_SIGNS:
            assert sign not in viewer.log


@pytest.mark.slow
def test_the_demo_opens_with_matches_finished_at_half_time_under_way_and_to_come(tmp_path):
    viewer = Viewer(tmp_path)
    url = viewer.wait_for(r"following (http://127\.0\.0\.1:\d+) \(built-in server\)")[1]
    viewer.wait_for(r"stream live")
    matches = httpx.get(f"{url}/api/matches", timeout=10).json()["matches"]
    assert viewer.stop(signal.SIGTERM) == 0
    statuses = sorted(m["status"] for m in matches)
    assert statuses == ["full_time", "half_time", "live", "live", "scheduled", "scheduled"]
    live = {m["minute"] for m in matches if m["status"] == "live"}
    assert len(live) == 2  # at different minutes


@pytest.mark.slow
def test_a_server_that_never_answered_is_not_remembered(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    first = Viewer(tmp_path, "--server", dead)
    first.wait_for(rf"following {re.escape(dead)}$")
    first.wait_for(r"stream reconnecting nothing is listening at 127\.0\.0\.1:\d+")
    assert first.stop(signal.SIGTERM) == 0

    again = Viewer(tmp_path)  # the demo, as before the typo
    again.wait_for(r"following http://127\.0\.0\.1:\d+ \(built-in server\)")
    assert again.stop(signal.SIGTERM) == 0


@pytest.mark.slow
def test_feed_and_speed_win_over_a_remembered_server_for_that_run(tmp_path):
    with run_server("--feed", "none", "--store", ":memory:") as srv:
        first = Viewer(tmp_path, "--server", srv.url)
        first.wait_for(r"stream live")
        assert first.stop(signal.SIGTERM) == 0

        # The README's next line: the built-in server with that feed, not the remembered one.
        replay = Viewer(tmp_path, "--feed", "worldcup-2026", "--speed", "60")
        url = replay.wait_for(r"following (http://127\.0\.0\.1:\d+) \(built-in server\)")[1]
        replay.wait_for(r"stream live")
        matches = httpx.get(f"{url}/api/matches", timeout=10).json()["matches"]
        assert len(matches) == 104 and {m["competition"] for m in matches} == {"World Cup 2026"}
        assert replay.stop(signal.SIGTERM) == 0

        again = Viewer(tmp_path)  # the remembered server is still the one a plain start follows
        again.wait_for(rf"following {re.escape(srv.url)}$")
        assert again.stop(signal.SIGTERM) == 0


def test_help_and_version_need_no_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([TOUCHLINE, "--version"], capture_output=True, text=True, env=env)
    assert out.returncode == 0
    assert re.fullmatch(r"touchline \d+\.\d+\.\d+\S*\n", out.stdout)
    out = subprocess.run([TOUCHLINE, "--help"], capture_output=True, text=True, env=env)
    assert out.returncode == 0
    for option in ("--server", "--embedded", "--feed", "--speed", "--minimized"):
        assert option in out.stdout


MAIN_UNTIL_THE_WINDOW = textwrap.dedent(
    """
    import sys
    import desktop
    assert "httpx._main" not in sys.modules, "importing desktop changed the process"
    import desktop.__main__ as viewer
    viewer.run_app = lambda factory: 0  # main() up to where the window would open
    assert viewer.main([]) == 0
    print(sorted({"httpx", "click", "rich", "pygments"} & set(sys.modules)))
    """
)


def test_main_keeps_httpx_from_loading_its_command_line_tool(tmp_path):
    """httpx brings click, rich and pygments in for a tool the viewer never runs, unless the
    program stops it (an import of ``desktop`` alone must not)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TOUCHLINE_SETTINGS": str(tmp_path / "s")}
    out = subprocess.run(
        [sys.executable, "-c", MAIN_UNTIL_THE_WINDOW], capture_output=True, text=True, env=env,
        cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['httpx']"  # the app's stream client has it; nothing more


@pytest.mark.parametrize(
    "args, message",
    [
        (["--server", "ftp://x"], "not an http(s) server address"),
        (["--speed", "0"], "must be more than 0"),
        (["--server", "http://x:99999"], "bad port"),
        (["--server", "http://x:8000", "--feed", "demo"], "leave out --server"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(args, message):
    out = subprocess.run([TOUCHLINE, *args], capture_output=True, text=True)
    assert out.returncode == 2
    assert message in out.stderr


def test_built_in_server_that_cannot_start_ends_with_a_clear_error(tmp_path):
    viewer = Viewer(tmp_path, "--feed", str(tmp_path / "missing.json"))
    code = viewer.proc.wait(60)
    viewer.output.close()
    assert code == 1
    assert "cannot start" in viewer.log and "missing.json" in viewer.log
    for sign in BAD_SIGNS:
        assert sign not in viewer.log
