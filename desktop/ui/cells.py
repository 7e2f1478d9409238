"""What each scoreboard cell shows, per column and role. Qt types, but no model structure.

Feed text reaches the view only through DisplayRole (painted as plain text by the delegate),
AccessibleTextRole, and ToolTipRole, which goes through :func:`desktop.core.plaintext.rich`
because Qt renders tooltips as rich text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from desktop.core import display
from desktop.core.plaintext import rich
from desktop.core.state import red_cards
from desktop.ui import icons
from server.wire import Match

FAV, CLOCK, HOME, SCORE, AWAY = range(5)
COLUMNS = ("", "Time", "Home", "Score", "Away")
#: The group of matches of the teams the user follows, at the top. One word throughout the
#: viewer: "Follow" / "Following" (menus, this group, the settings), never "favourite".
FAVOURITES_GROUP = "Following"

MatchIdRole = Qt.ItemDataRole.UserRole + 1
IsGroupRole = Qt.ItemDataRole.UserRole + 2
FavouriteRole = Qt.ItemDataRole.UserRole + 3
HighlightRole = Qt.ItemDataRole.UserRole + 4
RedCardsRole = Qt.ItemDataRole.UserRole + 5
SearchRole = Qt.ItemDataRole.UserRole + 6
#: A Home or Away cell's team code (``ARS``), shown instead of a name that does not fit.
TeamCodeRole = Qt.ItemDataRole.UserRole + 7

R = Qt.ItemDataRole
#: Every role a scoreboard cell may have a value for (others are None).
ANSWERED_ROLES = (
    R.DisplayRole, R.DecorationRole, R.ToolTipRole, R.FontRole, R.TextAlignmentRole,
    R.BackgroundRole, R.ForegroundRole, R.AccessibleTextRole,
    MatchIdRole, IsGroupRole, FavouriteRole, HighlightRole, RedCardsRole, SearchRole,
    TeamCodeRole,
)  # fmt: skip

#: Semantic "goal" colour; always blended with the palette's base, so it suits light and dark.
GOAL_COLOUR = QColor("#4caf50")

_ALIGN = {
    HOME: Qt.AlignmentFlag.AlignRight,
    SCORE: Qt.AlignmentFlag.AlignHCenter,
    CLOCK: Qt.AlignmentFlag.AlignHCenter,
}


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def stale_brush() -> QBrush:
    palette = QGuiApplication.palette()
    return QBrush(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))


def highlight_brush(strength: float) -> QBrush | None:
    """The goal colour mixed into the base colour, fading with ``strength`` (1 → 0)."""
    if strength <= 0:
        return None
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    a = 0.5 * strength
    return QBrush(
        QColor.fromRgbF(
            base.redF() * (1 - a) + GOAL_COLOUR.redF() * a,
            base.greenF() * (1 - a) + GOAL_COLOUR.greenF() * a,
            base.blueF() * (1 - a) + GOAL_COLOUR.blueF() * a,
        )
    )


def group_cell(key: str, column: int, role: int, stale: bool) -> object:
    if role == IsGroupRole:
        return True
    if column != 0:
        return None
    if role in (R.DisplayRole, R.AccessibleTextRole, SearchRole):
        return key
    if role == R.FontRole:
        return _bold()
    if role == R.DecorationRole and key == FAVOURITES_GROUP:
        return icons.star_icon(True)
    if role == R.ForegroundRole and stale:
        return stale_brush()
    return None


#: The minute a running match is in (desktop.core.match_clock), passed in by the model.
Shown = tuple[int | None, int | None]


def display_text(m: Match, column: int, shown: Shown | None = None) -> str:
    if column == CLOCK:
        return display.clock_text(m, shown=shown)
    if column == HOME:
        return m.home.name
    if column == SCORE:
        return display.score_text(m)
    if column == AWAY:
        return m.away.name
    return ""


def fitted_cell(m: Match, column: int, shown: Shown | None = None) -> tuple[str, bool]:
    """A Time, Score or Home cell's text and whether it is bold (FontRole's rule; a name is
    measured bold, as a followed team's is): all that its width depends on
    (desktop.ui.column_fit)."""
    if column == HOME:
        return m.home.name, True
    if column == SCORE:
        return display.score_text(m), m.status != "scheduled"
    return display.clock_text(m, shown=shown), display.is_playing(m)


def tooltip_lines(m: Match) -> list[str]:
    lines = [" · ".join(filter(None, (m.competition, m.round)))]
    lines.append(f"{m.home.name} {display.score_text(m)} {m.away.name}")
    lines.append(f"{display.status_words(m)} — kick-off {display.kickoff_long(m)}")
    home, away = red_cards(m)
    for name, count in ((m.home.name, home), (m.away.name, away)):
        if count:
            lines.append(f"{name}: {count} sent off")
    return lines


def _accessible(m: Match, column: int, favourite: bool, shown: Shown | None) -> str:
    if column == FAV:
        return "Following a team in this match" if favourite else "Not following either team"
    if column in (HOME, AWAY):
        name = m.home.name if column == HOME else m.away.name
        count = red_cards(m)[0 if column == HOME else 1]
        return f"{name}, {count} sent off" if count else name
    if column == CLOCK:
        return f"{display.status_words(m)}, {display.clock_text(m, shown=shown)}"
    return display_text(m, column, shown)


_NEEDS_FAVOURITE = frozenset({FavouriteRole, R.DecorationRole, R.AccessibleTextRole})


def match_cell_alignment(column: int) -> Qt.AlignmentFlag:
    """Home names lean on the score from the right, away names from the left."""
    return _ALIGN.get(column, Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignVCenter


def match_cell(
    m: Match,
    column: int,
    role: int,
    *,
    is_favourite: Callable[[str], bool],
    stale: bool,
    strength: float,
    shown: Shown | None = None,
) -> object:
    """The value of one match cell for ``role``; ``shown`` is the running minute."""
    if role == R.DisplayRole:
        return display_text(m, column, shown)
    if role == MatchIdRole:
        return m.id
    if role == IsGroupRole:
        return False
    favourite = role in _NEEDS_FAVOURITE and (
        is_favourite(m.home.name) or is_favourite(m.away.name)
    )
    if role == FavouriteRole:
        return favourite
    if role == HighlightRole:
        return strength
    if role == SearchRole:
        return " ".join(filter(None, (m.home.name, m.away.name, m.competition, m.round)))
    if role == TeamCodeRole:
        return m.home.code if column == HOME else m.away.code if column == AWAY else None
    if role in (RedCardsRole, R.DecorationRole) and column in (HOME, AWAY):
        count = red_cards(m)[0 if column == HOME else 1]
        if role == RedCardsRole:
            return count
        return icons.red_cards_icon(count) if count else None
    if role == R.DecorationRole:
        return icons.star_icon(favourite) if column == FAV else None
    if role == R.TextAlignmentRole:
        return match_cell_alignment(column)
    if role == R.FontRole:
        bold = (
            (column == HOME and is_favourite(m.home.name))
            or (column == AWAY and is_favourite(m.away.name))
            or (column == SCORE and m.status != "scheduled")
            or (column == CLOCK and display.is_playing(m))
        )
        return _bold() if bold else None
    if role == R.ForegroundRole:
        return stale_brush() if stale else None
    if role == R.BackgroundRole:
        return highlight_brush(strength)
    if role == R.ToolTipRole:
        return rich(tooltip_lines(m))
    if role == R.AccessibleTextRole:
        return _accessible(m, column, favourite, shown)
    return None
