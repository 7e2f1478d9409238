"""Feed text is plain text: helpers for the few Qt places that would read it as markup.

QLabel gets ``Qt.PlainText`` directly; these cover what has no such switch: tooltips (Qt shows
them as rich text when the text *looks* like HTML) and menu/button labels (``&`` marks a
mnemonic).
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def rich(lines: str | Iterable[str]) -> str:
    """Plain text as unambiguous Qt rich text, for tooltips.

    Escaping alone is not enough: Qt decides per string whether a tooltip is rich text, and an
    escaped name without tags would then be shown with its ``&lt;`` entities. The ``<qt>`` tag
    makes Qt always parse it as rich text, so the escapes turn back into the original text.
    """
    if isinstance(lines, str):
        lines = lines.split("\n")
    # Rich text collapses runs of spaces; keep them as the plain text had them.
    escaped = (html.escape(line, quote=False).replace("  ", " &nbsp;") for line in lines)
    return "<qt>" + "<br>".join(escaped) + "</qt>"


def mnemonic_safe(text: str) -> str:
    """Text for a QAction/QPushButton label: ``&`` shown as itself, not as a shortcut marker."""
    return text.replace("&", "&&")
