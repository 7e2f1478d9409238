"""The settings dialog: which notifications, favourites only, kick-off reminder, start at login,
and which server to follow.

It edits a copy of :class:`~desktop.core.notify_settings.NoticeSettings` and reports the result; the
app applies and persists it. It also says which notification backend is in use, so "why did
nothing pop up?" has an answer on screen. The server is the built-in demo or an address the
user types (checked here, in words, before the dialog closes); the app follows the choice at
once and remembers an address only once it has connected to it.
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
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.notify_settings import EVENT_KINDS, EVENT_NOTICES, NoticeSettings
from desktop.core.server_address import server_address
from desktop.platform import autostart

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
        server: str | None,
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

        follow = QGroupBox("Scores from", self)
        follow_layout = QVBoxLayout(follow)
        self.built_in = QRadioButton("The built-in &demo matches", follow)
        self.built_in.setObjectName("serverBuiltIn")
        self.remote = QRadioButton("A Touchline server at this &address:", follow)
        self.remote.setObjectName("serverRemote")
        self.server_edit = QLineEdit(server or "", follow)
        self.server_edit.setObjectName("serverAddress")
        self.server_edit.setAccessibleName("Server address")
        self.server_edit.setPlaceholderText("http://localhost:8000")
        self.server_edit.setClearButtonEnabled(True)
        self.server_error = _plain("", follow, "serverError")
        self.server_error.setAccessibleName("Server address problem")
        self.server_error.hide()
        hint = _plain(
            "Touchline remembers a server once it has connected to it.", follow, "serverHint"
        )
        hint.setEnabled(False)  # secondary text, in the palette's quieter colour
        (self.remote if server else self.built_in).setChecked(True)
        self.server_edit.setEnabled(self.remote.isChecked())
        self.remote.toggled.connect(self.server_edit.setEnabled)
        self.remote.toggled.connect(lambda on: on and self.server_edit.setFocus())
        self.server_edit.textEdited.connect(lambda _text: self.server_error.hide())
        for widget in (self.built_in, self.remote, self.server_edit, self.server_error, hint):
            follow_layout.addWidget(widget)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(notify)
        layout.addWidget(self.start_at_login)
        layout.addWidget(follow)
        layout.addLayout(about)
        layout.addWidget(buttons)

    def chosen_server(self) -> str | None:
        """The server chosen: its normalised address, or None for the built-in one. Only
        after the dialog was accepted (the address was checked then)."""
        if self.built_in.isChecked():
            return None
        return server_address(self.server_edit.text())

    def accept(self) -> None:
        """Closes only with a usable address; otherwise says what is wrong with it."""
        if self.remote.isChecked():
            try:
                self.server_edit.setText(server_address(self.server_edit.text()))
            except ValueError as exc:
                self.server_error.setText(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
                self.server_error.show()
                self.server_edit.setFocus()
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
