"""``touchline-server`` as a user runs it: help, version, clear errors, the page's headers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from server import __version__
from server.runtime import allocator
from server.runtime.gc_policy import THRESHOLD0
from tests.support.serverproc import run_cli, run_server


def test_help_lists_every_option():
    out = run_cli("--help")
    assert out.returncode == 0
    for option in (
        "--host",
        "--port",
        "--port-file",
        "--feed",
        "--speed",
        "--loop",
        "--publish-token",
        "--heartbeat",
        "--log-level",
        "--version",
    ):
        assert option in out.stdout


def test_version_prints_the_package_version():
    out = run_cli("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"touchline-server {__version__}"


def test_busy_port_is_a_clear_error_with_exit_2():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        out = run_cli("--feed", "none", "--port", str(port))
    assert out.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr
    assert "Traceback" not in out.stderr


def test_port_file_names_the_port_it_listens_on(tmp_path):
    port_file = tmp_path / "port"
    with run_server("--feed", "none", "--port-file", str(port_file)) as srv:
        assert port_file.read_text() == f"{srv.url.rsplit(':', 1)[1]}\n"
        assert httpx.get(srv.url + "/healthz", trust_env=False).status_code == 200


def test_unwritable_port_file_is_a_clear_error_with_exit_2(tmp_path):
    out = run_cli("--feed", "none", "--port", "0", "--port-file", str(tmp_path / "no" / "port"))
    assert out.returncode == 2
    assert "cannot write --port-file" in out.stderr and "Traceback" not in out.stderr


def test_bad_speed_is_refused_with_exit_2():
    out = run_cli("--speed", "0")
    assert out.returncode == 2
    assert "--speed" in out.stderr and "more than 0" in out.stderr


def test_server_logs_where_it_listens_and_the_page_url():
    with run_server("--feed", "none") as srv:
        log = srv.log
    assert f"listening on {srv.url}" in log
    assert f"Live page: {srv.url}/" in log


def test_page_is_served_with_a_csp_that_forbids_inline_script():
    with run_server("--feed", "none") as srv:
        page = httpx.get(f"{srv.url}/")
        script = httpx.get(f"{srv.url}/static/app.js")
        docs = httpx.get(f"{srv.url}/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert script.status_code == 200 and script.headers["content-security-policy"] == csp
    assert "content-security-policy" not in docs.headers  # Swagger UI needs its CDN script


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.mark.skipif(not allocator.glibc(), reason="the allocator switch is for glibc only")
def test_server_reexecutes_itself_on_the_system_allocator_keeping_its_pid():
    # The same process (its parent still waits on this pid), now with PYTHONMALLOC=malloc:
    # what lets a crowd's memory go back to the system once it leaves (server/runtime/allocator.py).
    with run_server("--feed", "none", env={"PYTHONMALLOC": ""}) as srv:
        assert environ_of(srv.proc.pid).get("PYTHONMALLOC") == "malloc"
        assert httpx.get(srv.url + "/healthz", trust_env=False).status_code == 200


@pytest.mark.skipif(not allocator.glibc(), reason="the allocator switch is for glibc only")
def test_server_keeps_an_allocator_the_user_chose():
    with run_server("--feed", "none", env={"PYTHONMALLOC": "pymalloc"}) as srv:
        assert environ_of(srv.proc.pid).get("PYTHONMALLOC") == "pymalloc"


def test_head_of_the_page_answers_200_with_its_headers_and_no_body():
    # What an uptime check asks; it used to be 405.
    with run_server("--feed", "none") as srv:
        head = httpx.head(f"{srv.url}/")
    assert head.status_code == 200 and "text/html" in head.headers["content-type"]
    assert "script-src 'self'" in head.headers["content-security-policy"]
    assert head.content == b""


@pytest.mark.skipif(not allocator.glibc(), reason="the allocator switch is for glibc only")
def test_server_in_dev_mode_keeps_the_debug_allocator():
    with run_server("--feed", "none", env={"PYTHONMALLOC": "", "PYTHONDEVMODE": "1"}) as srv:
        assert environ_of(srv.proc.pid).get("PYTHONMALLOC", "") == ""


def test_main_called_in_process_never_reexecutes(monkeypatch):
    # Only the program (run()) picks the allocator; main() is safe to call from anywhere.
    import server.__main__ as entry

    monkeypatch.setenv("PYTHONMALLOC", "")
    monkeypatch.setattr(entry.os, "execv", lambda *a: pytest.fail("main() re-executed"))
    monkeypatch.setattr(sys, "argv", ["touchline-server", "--version"])
    with pytest.raises(SystemExit) as stop:
        entry.main()  # no arguments: as a host program would call it
    assert stop.value.code == 0


# Runs the server in this process as argv[1] says ("run" or "main"), prints the collector's
# settings as JSON once it serves and a running policy would have started, then stops it.
GC_PROBE = textwrap.dedent(
    """
    import gc, json, logging, os, signal, sys, threading, time, urllib.request
    import server.__main__ as entry

    before = {"thresholds": gc.get_threshold(), "frozen": gc.get_freeze_count()}
    urls = []

    class Listening(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("Touchline server"):
                urls.append(record.args[-1])

    logging.getLogger("touchline.server").addHandler(Listening())

    def probe():
        deadline = time.monotonic() + 20
        while not urls and time.monotonic() < deadline:
            time.sleep(0.05)
        urllib.request.urlopen(urls[0] + "/healthz", timeout=10).read()
        time.sleep(1.5)  # a running policy has started and had its first look by now
        after = {"thresholds": gc.get_threshold(), "frozen": gc.get_freeze_count()}
        print(json.dumps({"before": before, "after": after}), flush=True)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=probe, daemon=True).start()
    sys.argv = ["touchline-server", "--feed", "none", "--store", ":memory:", "--port", "0"]
    entry.run() if CALL == "run" else entry.main()
    """
)


def gc_settings_under(call: str) -> dict:
    script = GC_PROBE.replace("CALL", repr(call))
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONMALLOC": "pymalloc"},  # no re-execution: one process to ask
    )
    assert out.returncode == -signal.SIGTERM, out.stderr  # uvicorn ends by re-raising it
    return json.loads(out.stdout)


def test_the_program_applies_the_gc_policy():
    # run() is the program (touchline-server, python -m server): its process is the server's
    # alone, so the GC policy freezes what start-up made and retunes the collector.
    seen = gc_settings_under("run")
    assert seen["after"]["thresholds"] == [THRESHOLD0, 50, 50]
    assert seen["after"]["frozen"] > seen["before"]["frozen"]


def test_main_called_in_process_leaves_the_collector_alone():
    # A host calling main() in its own process keeps its collector as it was.
    seen = gc_settings_under("main")
    assert seen["after"] == seen["before"]
