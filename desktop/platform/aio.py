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

* Creates the ``QEventLoop`` for ``app`` (a ``QApplication`` is created if none is given) and
  runs ``main()`` as the *main task*. Its return value is the exit status (None → 0).
* Quitting = cancelling the main task (or, with ``on_quit=``, calling it and letting ``main``
  return by itself; see :func:`run`): :func:`request_quit` (use it for the tray's "Quit"),
  SIGINT and SIGTERM (``loop.add_signal_handler``; where that is unavailable, a plain handler
  plus a 200 ms QTimer so Python gets to run it), or a direct ``app.quit()``, after which the
  Qt loop is simply started again to let the cancelled task clean up. ``main`` sees
  ``CancelledError`` at its current ``await`` and its ``finally`` blocks run with the loop
  alive; a requested quit then exits with status 0 (or the code given to ``request_quit``).
* Then every task still pending is cancelled and awaited (at most ``shutdown_timeout`` s; no
  "Task was destroyed but it is pending"), async generators are closed, and the default
  executor is detached and shut down *without waiting* before ``loop.close()``: qasync's close
  waits for it forever, and a ``getaddrinfo`` stuck in it hangs the exit (qasync #115). If a
  worker is still stuck after the timeout, the process ends with ``os._exit(status)`` rather
  than hang or abort on "QThread destroyed while running". Persist settings before returning.
* Not done here: ``app.setQuitOnLastWindowClosed(False)`` for a tray app is the app's call; with
  the default (True), closing the last window quits Qt, which :func:`run` treats as a quit.

Qt-free modules (state, stream, notify_rules, embedded) never import this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable

import qasync
from PySide6.QtCore import QCoreApplication, QThread, QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger("touchline.aio")

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Runner:
    current: _Runner | None = None

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


def request_quit(code: int = 0) -> None:
    """Asks the running app to quit (main task cancelled, cleanup awaited, exit ``code``)."""
    runner = _Runner.current
    if runner is None:
        raise RuntimeError("aio.run() is not running")
    runner.request_quit(code)


async def forever() -> None:
    """Waits until a quit is requested (returns only by cancellation)."""
    await asyncio.get_running_loop().create_future()


def _install_signals(loop: asyncio.AbstractEventLoop, runner: _Runner) -> Callable[[], None]:
    try:
        for sig in QUIT_SIGNALS:
            loop.add_signal_handler(sig, runner.request_quit, 0)

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
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(runner.request_quit, 0))
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
    app = app or QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runner = _Runner(loop, on_quit, quit_grace)
    _Runner.current = runner
    remove_signals = _install_signals(loop, runner) if handle_signals else (lambda: None)
    main_task = loop.create_task(runner.main(main), name="touchline-main")
    code = 1
    try:
        while not main_task.done():
            try:
                loop.run_until_complete(main_task)
            except RuntimeError as exc:  # app.quit(): Qt left its loop before main finished
                if main_task.done() or "stopped before" not in str(exc):
                    raise
                log.info("Qt quit; letting the main task finish")
                runner.request_quit(0)
        code = main_task.result()
    except BaseException:
        log.exception("the main task failed")
    finally:
        remove_signals()
        stuck = _shutdown(loop, shutdown_timeout)
        _Runner.current = None
        asyncio.set_event_loop(None)
    if stuck:
        log.warning("an executor thread is stuck (e.g. in getaddrinfo); exiting hard")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _shutdown(loop: qasync.QEventLoop, timeout: float) -> bool:
    """Cancels and awaits leftover tasks, closes the loop; True if executor threads are stuck."""
    deadline = time.monotonic() + timeout
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        _, still = loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
        for task in still:
            log.warning("task %s ignored cancellation at exit", task.get_name())
    with contextlib.suppress(Exception):
        left = max(0.1, deadline - time.monotonic())
        loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), left))
    executor = getattr(loop, "_QEventLoop__default_executor", None)
    stuck = False
    if executor is not None:
        loop.set_default_executor(None)  # so close() does not wait on it (qasync #115)
        executor.shutdown(wait=False)
        for worker in getattr(executor, "_QThreadExecutor__workers", []):
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            # The base QThread.wait, with a timeout (qasync's override waits forever).
            stuck |= not QThread.wait(worker, left_ms)
    loop.close()
    return stuck
