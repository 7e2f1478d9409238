"""The settings dialog: which notifications, favourites only, kick-off reminder, start at login,
and the data source (desktop.ui.data_source: the demo, a live provider or a server).

It edits a copy of :class:`~desktop.core.notify_settings.NoticeSettings` and reports the result; the
app applies and persists it. It also says which notification backend is in use and which
server is followed, so "why did nothing pop up?" has an answer on screen.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.notify_settings import EVENT_KINDS, EVENT_NOTICES, NoticeSettings
from desktop.platform import autostart
from desktop.platform.settings import DataSource
from desktop.ui.data_source import DataSourceBox

DEFAULT_REMINDER = 15


def _plain(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: NoticeSettings,
        *,
        backend: str,
        server: str,
        source: DataSource | None = None,
        saved_tokens: frozenset[str] = frozenset(),
        keyring_available: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Touchline Settings")
        self.setObjectName("settingsDialog")
        self._original = settings

        notify = QGroupBox("Notify me about", self)
        notify_layout = QVBoxLayout(notify)
        self.kind_boxes: dict[str, QCheckBox] = {}
        for kind in EVENT_KINDS:
            box = QCheckBox(EVENT_NOTICES[kind].label, notify)
            box.setChecked(kind in settings.kinds)
            box.setObjectName(f"notify_{kind}")
            notify_layout.addWidget(box)
            self.kind_boxes[kind] = box
        self.favourites_only = QCheckBox("Only matches of the teams I &follow", notify)
        self.favourites_only.setChecked(settings.favourites_only)
        notify_layout.addWidget(self.favourites_only)

        reminder_row = QHBoxLayout()
        self.reminder = QCheckBox("Remind me &before my teams kick off:", self)
        self.reminder.setChecked(settings.reminder_minutes is not None)
        self.reminder_minutes = QSpinBox(self)
        self.reminder_minutes.setRange(1, 180)
        self.reminder_minutes.setSuffix(" min")
        self.reminder_minutes.setValue(settings.reminder_minutes or DEFAULT_REMINDER)
        self.reminder_minutes.setAccessibleName("Minutes before kick-off")
        self.reminder_minutes.setEnabled(self.reminder.isChecked())
        self.reminder.toggled.connect(self.reminder_minutes.setEnabled)
        reminder_row.addWidget(self.reminder)
        reminder_row.addWidget(self.reminder_minutes)
        reminder_row.addStretch(1)
        notify_layout.addLayout(reminder_row)

        self.start_at_login = QCheckBox("&Start Touchline at login (in the tray)", self)
        if autostart.supported():
            self.start_at_login.setChecked(autostart.is_enabled())
        else:
            self.start_at_login.setEnabled(False)
            self.start_at_login.setToolTip(autostart.UNSUPPORTED_REASON)

        about = QFormLayout()
        self.backend_label = _plain(backend, self, "notifierBackend")
        about.addRow("Notifications:", self.backend_label)
        self.server_label = _plain(server, self, "serverInfo")
        about.addRow("Server:", self.server_label)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(notify)
        layout.addWidget(self.start_at_login)
        layout.addLayout(about)
        # The data source (issue 12): None when the app offers no choice of it.
        self.source_box: DataSourceBox | None = None
        if source is not None:
            self.source_box = DataSourceBox(
                source, saved_tokens=saved_tokens, keyring_available=keyring_available, parent=self
            )
            layout.addWidget(self.source_box)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Closes only once the data source can be saved (a server that passed its test)."""
        if self.source_box is not None and self.source_box.problem():
            self.source_box.show_problem()
            return
        super().accept()

    def result_settings(self) -> NoticeSettings:
        """The edited settings (a copy; favourites and mutes are kept as they were)."""
        out = copy.deepcopy(self._original)
        out.kinds = {kind for kind, box in self.kind_boxes.items() if box.isChecked()}
        out.favourites_only = self.favourites_only.isChecked()
        out.reminder_minutes = self.reminder_minutes.value() if self.reminder.isChecked() else None
        return out

    def wants_start_at_login(self) -> bool | None:
        """The box's state, or None when starting at login is not supported here."""
        return self.start_at_login.isChecked() if self.start_at_login.isEnabled() else None
