"""Every workaround for a qasync defect lives here, and only here.

qasync 0.28.0 (2025-08) is its last release and upstream is inactive: its master branch has no fix
for what follows. Each entry says what it works around, where, and how to know it can go.

``QEventLoop``: the running loop during qasync's last pass (qasync #176)
    ``qasync.QEventLoop.run_until_complete`` lets Qt process its queue once more *after*
    ``run_forever`` has unset the running loop. A task step that comes due in that pass therefore
    runs with no running loop:

    * Python 3.14 refuses it. Its C tasks keep the current task per thread and check, on every
      step, that the task's loop is the thread's running loop; the step fails with
      ``RuntimeError: loop <QSelectorEventLoop …> is not the running loop``, the task never
      resumes, and whatever awaited it (the exit's cleanup) waits in vain.
    * Python 3.11–3.13 run the step, but anything in it that asks for the running loop
      (``asyncio.sleep``, ``get_running_loop``) raises "no running event loop".

    The subclass runs that pass with the loop set as the running one, which is the fix posted on
    qasync #176 that distributions carry (msys2 MINGW-packages #31699; FeelUOwn's
    ``PatchedQEventLoop``). It is used on every Python version: the defect is on every version
    (fatal only on 3.14), and with one code path the tests on 3.11–3.13 run exactly what 3.14
    runs. tests/viewer/test_qasync_compat.py shows both the defect and the fix.

    Delete it when a qasync release sets the running loop around that last ``processEvents``
    and pyproject.toml requires that release: test_qasync_compat's check of plain
    ``qasync.QEventLoop`` then fails (the defect is gone), and ``QEventLoop`` below can become
    ``qasync.QEventLoop``.

Known, not patched: qasync 0.28 calls ``asyncio.iscoroutinefunction`` on every ``call_soon``.
Python 3.14 deprecates it (a warning, silenced for pytest in pyproject.toml) and 3.16 removes it,
which will break qasync itself; qasync's master has the fix, unreleased.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import qasync
from PySide6 import QtCore

T = TypeVar("T")


class QEventLoop(qasync.QEventLoop):
    """``qasync.QEventLoop`` whose last pass in ``run_until_complete`` runs as the running loop."""

    def run_until_complete(self, future: Awaitable[T]) -> T:
        # qasync 0.28's method, line for line, but for the running loop around the last pass.
        if self.is_running():
            raise RuntimeError("Event loop already running")
        task = asyncio.ensure_future(future, loop=self)

        def stop(_: asyncio.Future[T]) -> None:
            self.stop()

        task.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            task.remove_done_callback(stop)
        # Loop implementations set the running loop through these two functions (qasync itself
        # does, in run_forever); there is no public way for a loop to say it is running.
        outer = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self)
        try:
            QtCore.QCoreApplication.eventDispatcher().processEvents(
                QtCore.QEventLoop.ProcessEventsFlag.AllEvents
            )
        finally:
            asyncio.events._set_running_loop(outer)
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return task.result()
