"""Timing marks for ``benchmarks.viewer.bench``: off unless ``TOUCHLINE_BENCH_MARK`` is set.

With it set, :func:`after_paint` prints one line to stderr when ``widget`` next paints::

    TOUCHLINE_BENCH_MARK snapshot-painted 12345.678901

The number is ``time.monotonic()``, a clock every process on the machine shares (Linux
``CLOCK_MONOTONIC``), so the benchmark subtracts the moment it started the viewer.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

ENV = "TOUCHLINE_BENCH_MARK"


def enabled() -> bool:
    return bool(os.environ.get(ENV))


class _PaintMark(QObject):
    def __init__(self, widget: QWidget, label: str) -> None:
        super().__init__(widget)
        self._label = label

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            print(f"{ENV} {self._label} {time.monotonic():.6f}", file=sys.stderr, flush=True)
            watched.removeEventFilter(self)
            self.deleteLater()
        return False


def after_paint(widget: QWidget, label: str) -> None:
    """Prints the mark ``label`` at the widget's next paint (if marks are on)."""
    if enabled():
        widget.installEventFilter(_PaintMark(widget, label))
