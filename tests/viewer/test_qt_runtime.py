"""The Qt binding in use does not corrupt the interpreter (guards the PySide6 pin)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_use_up_references_to_none_true_and_false(qapp):
    # PySide6 6.12.0 on Python 3.11 returned these singletons without a reference: every call
    # below cost one, and a long-running viewer aborted with "none_dealloc".
    label, model = QLabel(), QStringListModel(["a"])
    missing = model.index(5, 0)
    before = [sys.getrefcount(x) for x in (None, True, False)]
    for _ in range(2000):
        label.setText("x")
        label.setVisible(False)
        model.data(missing, Qt.ItemDataRole.DisplayRole)
        label.isVisible()
    after = [sys.getrefcount(x) for x in (None, True, False)]
    # A few references come and go with unrelated objects; the bug cost thousands here.
    assert all(abs(a - b) < 100 for a, b in zip(after, before, strict=True)), (before, after)
