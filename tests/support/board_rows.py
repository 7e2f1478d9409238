"""The scoreboard model as text, for assertions: each group's heading and its rows."""

from __future__ import annotations

from desktop.ui.cells import AWAY, HOME
from desktop.ui.model import ScoreboardModel


def titles(model: ScoreboardModel) -> list[tuple[str, list[str]]]:
    """``[(heading, ["Home v Away", ...]), ...]`` in the model's order."""
    out = []
    for g in range(model.rowCount()):
        group = model.index(g, 0)
        rows = [
            f"{model.index(r, HOME, group).data()} v {model.index(r, AWAY, group).data()}"
            for r in range(model.rowCount(group))
        ]
        out.append((group.data(), rows))
    return out
