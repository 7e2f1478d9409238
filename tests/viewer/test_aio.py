"""desktop.platform.aio: the qasync bootstrap quits cleanly with the right status, whatever
asks it to.

Each case runs the bootstrap in its own process, so real signals and real exit statuses are
what is checked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

APP = textwrap.dedent(
    """
    import asyncio, sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from desktop.platform import aio

    case = sys.argv[1]
    app = QApplication([])

    async def background():
        try:
            await asyncio.sleep(100)
        except asyncio.CancelledError:
            print("background cancelled", flush=True)
            raise

    async def stubborn():
        while True:
            try:
                await asyncio.sleep(100)
            except asyncio.CancelledError:
                print("stubborn ignored cancellation", flush=True)

    quit_flag = None

    async def graceful():
        global quit_flag
        quit_flag = asyncio.Event()
        print("ready", flush=True)
        await quit_flag.wait()
        await asyncio.sleep(0.05)
        print("shut down in order", flush=True)
        return 0

    async def main():
        if case == "graceful":
            return await graceful()
        asyncio.get_running_loop().create_task(background())
        if case == "return":
            return 3
        if case == "request":
            QTimer.singleShot(50, lambda: aio.request_quit(5))
        if case == "qtquit":
            QTimer.singleShot(50, app.quit)
        if case == "executor":
            loop = asyncio.get_running_loop()
            await loop.getaddrinfo("localhost", 80)
            await asyncio.to_thread(time.sleep, 0.05)
            print("worker done", flush=True)
            return 4
        if case == "stubborn":
            asyncio.get_running_loop().create_task(stubborn(), name="stubborn")
            QTimer.singleShot(50, lambda: aio.request_quit(6))
        if case == "stuck":
            asyncio.get_running_loop().run_in_executor(None, time.sleep, 60)
            QTimer.singleShot(200, lambda: aio.request_quit(0))
        print("ready", flush=True)
        try:
            await aio.forever()
        finally:
            await asyncio.sleep(0.05)  # cleanup can still await
            print("cleaned up", flush=True)

    on_quit = (lambda: quit_flag.set()) if case == "graceful" else None
    sys.exit(aio.run(main, app, shutdown_timeout=0.5, on_quit=on_quit))
    """
)


def launch(case: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-c", APP, case],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    return proc.returncode, out, err


def test_main_return_value_is_the_exit_status() -> None:
    code, out, err = finish(launch("return"))
    assert code == 3, err
    assert "background cancelled" in out
    assert "Task was destroyed" not in err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_quits_gracefully_with_status_zero(sig: int) -> None:
    proc = launch("forever")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(sig)
    code, out, err = finish(proc)
    assert code == 0, err
    assert "cleaned up" in out and "background cancelled" in out
    assert "Task was destroyed" not in err and "Traceback" not in err


def test_request_quit_runs_cleanup_and_uses_its_status() -> None:
    code, out, err = finish(launch("request"))
    assert code == 5, err
    assert "cleaned up" in out


def test_qt_quit_still_lets_main_clean_up() -> None:
    code, out, err = finish(launch("qtquit"))
    assert code == 0, err
    assert "cleaned up" in out and "background cancelled" in out


def test_finished_executor_jobs_let_the_exit_close_normally() -> None:
    code, out, err = finish(launch("executor"))
    assert code == 4, err
    assert "worker done" in out and "background cancelled" in out
    assert "exiting hard" not in err and "Traceback" not in err


def test_a_task_that_ignores_cancellation_does_not_hang_the_exit() -> None:
    started = time.monotonic()
    code, out, err = finish(launch("stubborn"))
    assert code == 6, err
    assert "stubborn ignored cancellation" in out and "cleaned up" in out
    assert "task stubborn ignored cancellation at exit" in err
    assert time.monotonic() - started < 15


def test_stuck_executor_thread_does_not_hang_the_exit() -> None:
    started = time.monotonic()
    code, out, err = finish(launch("stuck"))
    assert code == 0, err
    assert "cleaned up" in out
    assert time.monotonic() - started < 15  # the sleeping worker would hold it for 60 s
    assert "exiting hard" in err


def test_on_quit_lets_main_shut_down_in_its_own_order() -> None:
    proc = launch("graceful")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    code, out, err = finish(proc)
    assert code == 0, err
    assert "shut down in order" in out
    assert "Traceback" not in err
