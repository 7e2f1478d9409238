"""PySide6 quirks, kept in one place.

PySide6 6.12 (shiboken) hands None, True and False back to Python without taking a new
reference, as is fine on Python 3.12+ where they are immortal (PEP 683). On Python 3.11 every
such call (any ``void`` Qt method, ``index.data()`` of an empty role, ...) costs the object one
reference, and after some minutes of a live scoreboard the interpreter frees None and aborts
("Fatal Python error: none_dealloc"). :func:`pin_singletons` gives them the headroom
immortality gives: a refcount so large that no session can use it up. It only touches those
three objects, once, and does nothing on 3.12+.
"""

from __future__ import annotations

import sys

_HEADROOM = 1 << 50


def pin_singletons() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for obj in (None, True, False, Ellipsis, NotImplemented):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's 1st field
        if refcount.value < _HEADROOM:
            refcount.value += _HEADROOM
