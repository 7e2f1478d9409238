"""The asyncio-on-Qt bootstrap (qasync), with every known shutdown quirk handled in one place.

    from desktop.platform import aio

    async def main() -> int | None:
        window = ...; window.show()
        try:
            await aio.forever()          # until aio.request_quit(), SIGINT/SIGTERM or app.quit()
        finally:
            await client_teardown()      # awaits are fine here: the loop is still running
        return 0

    sys.exit(aio.run(main, app))

or, for an app object that waits on its own quit flag and shuts down in order::

    sys.exit(aio.run(touchline.run, qapp, on_quit=touchline.quit))

What :func:`run` does, and why:

* An ``asyncio.Runner`` makes the loop (``qasync_compat.QEventLoop``: qasync's, with the fix
  Python 3.14 needs) for ``app`` (a ``QApplication`` is created if none is given) and runs
  ``main()`` as the *main task*. Its return value is the exit status (None → 0).
* Quitting = cancelling the main task (or, with ``on_quit=``, calling it and letting ``main``
  return by itself; see :func:`run`): :func:`request_quit` (use it for the tray's "Quit"),
  SIGINT and SIGTERM (``loop.add_signal_handler``; where that is unavailable, a plain handler
  plus a 200 ms QTimer so Python gets to run it), or a direct ``app.quit()``, after which the
  Qt loop is simply started again to let the cancelled task clean up. ``main`` sees
  ``CancelledError`` at its current ``await`` and its ``finally`` blocks run with the loop
  alive; a requested quit then exits with status 0 (or the code given to ``request_quit``).
* Then every task still pending is cancelled and awaited (at most ``shutdown_timeout`` s; no
  "Task was destroyed but it is pending") and async generators are closed. The loop's default
  executor (``getaddrinfo``, ``asyncio.to_thread``) is a thread pool of ours, so that its queued
  jobs are dropped and its running ones awaited only until the same deadline: qasync's own is
  waited for without limit when the loop closes, and a ``getaddrinfo`` stuck in it hung the
  exit (qasync #115). If a job is still running then, the process ends with
  ``os._exit(status)`` rather than hang on that thread. Persist settings before returning.
* Not done here: ``app.setQuitOnLastWindowClosed(False)`` for a tray app is the app's call; with
  the default (True), closing the last window quits Qt, which :func:`run` treats as a quit.

Qt-free modules (state, stream, notify_rules, embedded) never import this one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from desktop.platform.qasync_compat import QEventLoop

log = logging.getLogger("touchline.aio")

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)

P = ParamSpec("P")
T = TypeVar("T")


class _Session:
    current: _Session | None = None

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_quit: Callable[[], None] | None = None,
        quit_grace: float = 10.0,
    ) -> None:
        self.loop = loop
        self.task: asyncio.Task[object] | None = None
        self.quit_code: int | None = None
        self.on_quit, self.quit_grace = on_quit, quit_grace

    def request_quit(self, code: int = 0) -> None:
        first = self.quit_code is None
        if first:
            self.quit_code = code
        if self.task is None or self.task.done():
            return
        if self.on_quit is None:
            self.task.cancel()
        elif first:
            # Let main finish its own shutdown; cancel it only if it does not in time.
            try:
                self.on_quit()
            except Exception:
                log.exception("on_quit failed")
                self.task.cancel()
            self.loop.call_later(self.quit_grace, self._cancel_late)

    def _cancel_late(self) -> None:
        if self.task is not None and not self.task.done():
            log.warning("main did not finish %g s after quit; cancelling it", self.quit_grace)
            self.task.cancel()

    async def main(self, factory: Callable[[], Awaitable[int | None]]) -> int:
        self.task = asyncio.current_task()
        try:
            result = await factory()
        except asyncio.CancelledError:
            if self.quit_code is None:
                raise
            return self.quit_code
        if result is None:
            return self.quit_code or 0
        return int(result)


class _Workers(concurrent.futures.Executor):
    """The loop's default executor: a thread pool that remembers its unfinished jobs, so that the
    exit can wait for them with a deadline (:meth:`finish`) instead of without one."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="touchline-worker")
        self._lock = threading.Lock()
        self._unfinished: set[concurrent.futures.Future[Any]] = set()

    def submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        job = self._pool.submit(fn, *args, **kwargs)
        with self._lock:
            self._unfinished.add(job)
        job.add_done_callback(self._forget)
        return job

    def _forget(self, job: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._unfinished.discard(job)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def finish(self, timeout: float) -> bool:
        """Takes no more jobs, drops the queued ones and waits up to ``timeout`` s for the running
        ones; False if one is still running (its thread would then hold up the exit)."""
        self.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            unfinished = list(self._unfinished)
        _, running = concurrent.futures.wait(unfinished, timeout)
        return not running


def request_quit(code: int = 0) -> None:
    """Asks the running app to quit (main task cancelled, cleanup awaited, exit ``code``)."""
    session = _Session.current
    if session is None:
        raise RuntimeError("aio.run() is not running")
    session.request_quit(code)


async def forever() -> None:
    """Waits until a quit is requested (returns only by cancellation)."""
    await asyncio.get_running_loop().create_future()


def _install_signals(loop: asyncio.AbstractEventLoop, session: _Session) -> Callable[[], None]:
    try:
        for sig in QUIT_SIGNALS:
            loop.add_signal_handler(sig, session.request_quit, 0)

        def remove() -> None:
            for sig in QUIT_SIGNALS:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)

        return remove
    except (NotImplementedError, RuntimeError, ValueError):
        # Windows, or not the main thread: Python handlers only run when Python code runs,
        # so a timer wakes the interpreter while Qt sits in its C++ loop.
        previous = {sig: signal.getsignal(sig) for sig in QUIT_SIGNALS}
        with contextlib.suppress(ValueError):
            for sig in QUIT_SIGNALS:
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(session.request_quit, 0))
        timer = QTimer()
        timer.timeout.connect(lambda: None)
        timer.start(200)

        def restore() -> None:
            timer.stop()
            with contextlib.suppress(ValueError):
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

        return restore


def run(
    main: Callable[[], Awaitable[int | None]],
    app: QCoreApplication | None = None,
    *,
    shutdown_timeout: float = 3.0,
    handle_signals: bool = True,
    on_quit: Callable[[], None] | None = None,
    quit_grace: float = 10.0,
) -> int:
    """Runs ``main()`` on a qasync loop until it returns or a quit is requested; the status.

    With ``on_quit``, a quit request calls it instead of cancelling ``main`` (for a main that
    waits on its own quit flag and shuts down in order); ``main`` is cancelled only if it has
    not returned ``quit_grace`` seconds later. Its return value is then the exit status.
    """
    qt_app = app or QApplication.instance() or QApplication(sys.argv)
    workers = _Workers()

    def new_loop() -> asyncio.AbstractEventLoop:
        loop = QEventLoop(qt_app)
        loop.set_default_executor(workers)
        # The loop factory's job (asyncio.Runner sets only loops it makes itself): a Qt slot that
        # starts a coroutine with asyncio.ensure_future outside a running loop finds it here.
        asyncio.set_event_loop(loop)
        return loop

    runner = asyncio.Runner(loop_factory=new_loop)
    loop = runner.get_loop()
    session = _Session(loop, on_quit, quit_grace)
    _Session.current = session
    remove_signals = _install_signals(loop, session) if handle_signals else (lambda: None)
    main_task = loop.create_task(session.main(main), name="touchline-main")
    code = 1
    try:
        code = _run_to_end(runner, main_task, session)
    except BaseException:
        log.exception("the main task failed")
    finally:
        remove_signals()
        stuck = _shutdown(runner, workers, shutdown_timeout)
        _Session.current = None
        asyncio.set_event_loop(None)
    if stuck:
        log.warning("an executor thread is stuck (e.g. in getaddrinfo); exiting hard")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run_to_end(runner: asyncio.Runner, main_task: asyncio.Task[int], session: _Session) -> int:
    """Runs the loop until the main task is done, also if Qt leaves its loop first; its result."""
    while True:
        try:
            return runner.run(_result_of(main_task))
        except RuntimeError as exc:  # app.quit(): Qt left its loop before main finished
            if main_task.done() or "stopped before" not in str(exc):
                raise
            log.info("Qt quit; letting the main task finish")
            session.request_quit(0)


async def _result_of(task: asyncio.Task[T]) -> T:
    return await task


def _shutdown(runner: asyncio.Runner, workers: _Workers, timeout: float) -> bool:
    """Cancels and awaits leftover tasks, closes async generators, waits for the executor's jobs
    and closes the loop, all within ``timeout`` s; True if an executor thread is stuck."""
    deadline = time.monotonic() + timeout
    settled = runner.run(_settle(deadline))
    if not workers.finish(max(0.0, deadline - time.monotonic())):
        return True  # and the loop stays open: closing it would wait for that thread
    if settled:
        runner.close()
    else:
        runner.get_loop().close()  # Runner.close() would await the stubborn task without limit
    return False


async def _settle(deadline: float) -> bool:
    """Cancels every other task and awaits them until ``deadline``, then closes async generators;
    False if a task ignored its cancellation."""
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    for task in pending:
        task.cancel()
    stubborn: set[asyncio.Task[object]] = set()
    if pending:
        _, stubborn = await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
        for task in stubborn:
            log.warning("task %s ignored cancellation at exit", task.get_name())
    with contextlib.suppress(Exception):
        left = max(0.1, deadline - time.monotonic())
        await asyncio.wait_for(asyncio.get_running_loop().shutdown_asyncgens(), left)
    return not stubborn
