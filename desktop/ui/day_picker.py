"""The board's day picker: previous day, the day shown (a list of every day with matches),
next day. Shown by the window only while the board spans more than one day."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSizePolicy, QToolButton, QWidget

from desktop.core import days


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}es"


class DayPicker(QWidget):
    """``◀ Today ▾ ▶``: the days with matches, by name ("Today", "Tomorrow", "Sat 13 Jun"; a
    replay's by date: "Thu 18 Jun"), with its stage when it has one ("Sat 4 Jul · Round of
    16"), a day with a match under way marked "· 2 live"."""

    #: The user chose this day (a button, the list, a key).
    dayChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayPicker")
        self._days: list[date] = []
        self._now = days.today()
        self._relative = True
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.previous = QToolButton(self)
        self.previous.setObjectName("previousDay")
        self.previous.setArrowType(Qt.ArrowType.LeftArrow)
        self.previous.setAccessibleName("Previous day")
        self.previous.setToolTip("Previous day (Alt+Left)")
        self.previous.clicked.connect(lambda: self.step(-1))
        self.combo = QComboBox(self)
        self.combo.setObjectName("day")
        self.combo.setAccessibleName("Day shown")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.combo.activated.connect(self._activated)
        self.next = QToolButton(self)
        self.next.setObjectName("nextDay")
        self.next.setArrowType(Qt.ArrowType.RightArrow)
        self.next.setAccessibleName("Next day")
        self.next.setToolTip("Next day (Alt+Right)")
        self.next.clicked.connect(lambda: self.step(1))
        for widget in (self.previous, self.combo, self.next):
            layout.addWidget(widget)

    @property
    def shown(self) -> date | None:
        data = self.combo.currentData()
        return data if isinstance(data, date) else None

    def set_days(
        self,
        counts: dict[date, int],
        live: dict[date, int],
        shown: date | None,
        now: date,
        *,
        relative: bool = True,
        stages: dict[date, str] | None = None,
    ) -> None:
        """The days with matches (and how many, how many under way), the one shown, and
        today (for the names; not ``relative``: a replay's days, each named by its date, the
        year left out when it is ``now``'s); ``stages``: what a tournament's day is
        (:func:`days.day_stage`), named beside its date so a month of days reads as one."""
        self._days, self._now, self._relative = sorted(counts), now, relative
        stages = stages or {}
        labels = [self._label(d, live.get(d, 0), stages.get(d)) for d in self._days]
        same = [self.combo.itemData(i) for i in range(self.combo.count())] == self._days
        if not same or [self.combo.itemText(i) for i in range(self.combo.count())] != labels:
            self.combo.blockSignals(True)
            self.combo.clear()
            for day, label in zip(self._days, labels, strict=True):
                self.combo.addItem(label, day)
                tip = f"{days.day_date(day, now)}: {_count(counts[day], 'match')}"
                if live.get(day):
                    tip += f", {live[day]} under way"
                self.combo.setItemData(self.combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            self.combo.blockSignals(False)
        if shown in self._days:
            self.combo.setCurrentIndex(self._days.index(shown))
        current = self.shown
        self.combo.setToolTip(days.day_date(current, now) if current else "")
        for button, step in ((self.previous, -1), (self.next, 1)):
            button.setEnabled(
                current is not None and days.step_day(self._days, current, step) is not None
            )

    def _label(self, day: date, live: int, stage: str | None) -> str:
        name = days.day_name(day, self._now, relative=self._relative)
        if stage:
            name = f"{name} · {stage}"
        return f"{name} · {live} live" if live else name

    def step(self, step: int) -> None:
        """Chooses the day with matches before (``-1``) or after (``1``) the one shown."""
        current = self.shown
        target = days.step_day(self._days, current, step) if current else None
        if target is not None:
            self.dayChosen.emit(target)

    def _activated(self, index: int) -> None:
        day = self.combo.itemData(index)
        if isinstance(day, date):
            self.dayChosen.emit(day)
