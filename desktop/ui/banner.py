"""Banners across the top of the window: the latest notice, and "scores may be out of date".

Both use palette roles only (the notice banner uses the tooltip colours, the stale banner the
window colours with disabled text), so they follow light and dark themes. Text is plain.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.plaintext import mnemonic_safe


def _plain_label(parent: QWidget, name: str, accessible: str) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    return label


class NoticeBanner(QFrame):
    """Shows the latest notice with "Open match", "Mute match" and a close button.

    Used as the notification backend when there is neither a notification service nor a tray,
    so nothing a fan asked to be told about is lost. It hides itself after ``hide_after_ms``.
    """

    openRequested = Signal(str)
    muteRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None, hide_after_ms: int = 30_000) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self.setAccessibleName("Notification")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.title = _plain_label(self, "noticeTitle", "Notification title")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.body = _plain_label(self, "noticeBody", "Notification text")
        self.open_button = QPushButton("&Open match", self)
        self.mute_button = QPushButton("&Mute match", self)
        self.close_button = QPushButton("Dismiss", self)
        self.close_button.setAccessibleName("Dismiss notification")
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.body)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addLayout(text, 1)
        for button in (self.open_button, self.mute_button, self.close_button):
            row.addWidget(button)
        self._match_id: str | None = None
        self.history: list[tuple[str, str]] = []  # (title, body) of every notice shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hide_after_ms)
        self._timer.timeout.connect(self.hide)
        self.open_button.clicked.connect(self._open)
        self.mute_button.clicked.connect(self._mute)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    @property
    def match_id(self) -> str | None:
        return self._match_id

    def show_notice(self, notice: object) -> None:
        title, body = str(getattr(notice, "title", "")), str(getattr(notice, "body", ""))
        self._match_id = getattr(notice, "match_id", None)
        self.title.setText(title)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.open_button.setVisible(self._match_id is not None)
        self.mute_button.setVisible(self._match_id is not None)
        self.history.append((title, body))
        self.show()
        self._timer.start()

    def _open(self) -> None:
        if self._match_id:
            self.openRequested.emit(self._match_id)
        self.hide()

    def _mute(self) -> None:
        if self._match_id:
            self.muteRequested.emit(self._match_id)
        self.hide()


class StaleBanner(QFrame):
    """ "Scores may be out of date": shown while the stream is not live."""

    retryRequested = Signal()
    #: "Change server…": the settings dialog, where the server is chosen.
    settingsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staleBanner")
        self.setAccessibleName("Connection warning")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.label = _plain_label(self, "staleText", "Connection warning")
        self.retry_button = QPushButton(mnemonic_safe("Retry now"), self)
        self.retry_button.clicked.connect(self.retryRequested)
        self.settings_button = QPushButton("&Change server…", self)
        self.settings_button.clicked.connect(self.settingsRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.settings_button)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.show()
