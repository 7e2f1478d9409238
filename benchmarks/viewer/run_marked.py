"""``touchline ARGS`` with the cold-start benchmark's timing marks, observed from outside.

    python -m benchmarks.viewer.run_marked ARGS     # as ``python -m desktop ARGS``

It runs the viewer's own ``main()``; the only addition is an observer attached to the app
once it is made, before it runs (``main()`` hands ``run_app`` a factory, and this module
wraps that factory). The observer prints one line to stderr at each of two paints of the
scoreboard's viewport::

    TOUCHLINE_BENCH_MARK snapshot-painted 12345.678901

* ``window-painted``: its first paint (nothing paints before the app shows the window);
* ``snapshot-painted``: its next paint after the first snapshot from the stream was applied.

The number is ``time.monotonic()``, a clock every process on the machine shares (Linux
``CLOCK_MONOTONIC``), so :mod:`benchmarks.viewer.process` subtracts the moment it started
this process.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject

from desktop.core.items import SnapshotItem, StreamItem

if TYPE_CHECKING:  # the viewer's main() imports the app, after its own preparations
    from desktop.app import TouchlineApp

MARK = "TOUCHLINE_BENCH_MARK"


class PaintMarks(QObject):
    """Prints ``window-painted`` at the viewport's first paint, and ``snapshot-painted`` at its
    next paint once the first snapshot has been applied. The filter is on the viewport only
    while a mark is due, so the app runs unobserved in between and after."""

    def __init__(self, app: TouchlineApp) -> None:
        self._viewport = app.window.view.viewport()
        super().__init__(self._viewport)
        self._due: list[str] = []
        self._snapshot_seen = False
        self._at_next_paint("window-painted")
        apply = app._on_item  # the app's handler for stream items, handed to its stream client

        def applied_then_marked(item: StreamItem) -> None:
            apply(item)
            if not self._snapshot_seen and isinstance(item, SnapshotItem):
                self._snapshot_seen = True
                self._at_next_paint("snapshot-painted")

        app._on_item = applied_then_marked  # read when app.run() makes the stream client

    def _at_next_paint(self, label: str) -> None:
        if not self._due:
            self._viewport.installEventFilter(self)
        self._due.append(label)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._due:
            now = time.monotonic()
            for label in self._due:
                print(f"{MARK} {label} {now:.6f}", file=sys.stderr, flush=True)
            self._due.clear()
            watched.removeEventFilter(self)
        return False


def main() -> int:
    from desktop import __main__ as viewer

    run_app = viewer.run_app

    def run_observed(factory: Callable[[], TouchlineApp]) -> int:
        def observed() -> TouchlineApp:
            app = factory()
            PaintMarks(app)  # owned by the viewport (its Qt parent)
            return app

        return run_app(observed)

    viewer.run_app = run_observed
    return viewer.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
