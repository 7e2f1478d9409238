"""The settings dialog's data source: the built-in demo, a live data provider (which one, its
competitions, its token), or a Touchline server URL that must pass "Test connection" before it
can be saved.

No network I/O here (widgets do none): "Test connection" emits :attr:`DataSourceBox.
testRequested` with the URL, the app checks the server's ``/healthz`` and reports back with
:meth:`DataSourceBox.set_test_result`. The token typed here goes to the app, which keeps it in
the system keyring; the field never shows a saved token, only that there is one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.server_address import server_address
from desktop.platform.embedded import ProviderChoice
from desktop.platform.settings import DataSource
from server.argtypes import codes

#: The providers offered, with what the user reads about each.
PROVIDER_LABELS = {
    "football-data": "football-data.org (free token; the free plan's scores are delayed)",
    "espn": "ESPN (no token; unofficial and undocumented, may stop working)",
}
EXAMPLES = {
    "football-data": "PL,CL (empty: every one your plan covers)",
    "espn": "eng.1,fifa.world",
}


def _plain(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class DataSourceBox(QGroupBox):
    #: "Test connection" was pressed for this URL: the app answers with set_test_result.
    testRequested = Signal(str)

    def __init__(
        self,
        source: DataSource,
        *,
        saved_tokens: frozenset[str] = frozenset(),
        keyring_available: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Data source", parent)
        self.setObjectName("dataSource")
        self._saved_tokens = saved_tokens
        self._tested: str | None = None  # the URL whose test passed, if any
        if source.kind == "server" and source.server_url:
            self._tested = source.server_url  # it is the server followed now

        self.demo = QRadioButton("Built-in &demo (a replayed match day)", self)
        self.live = QRadioButton("&Live data provider (real matches)", self)
        self.remote = QRadioButton("Touchline se&rver:", self)
        self.kinds = QButtonGroup(self)
        for button in (self.demo, self.live, self.remote):
            self.kinds.addButton(button)

        self.provider_box = QWidget(self)
        form = QFormLayout(self.provider_box)
        form.setContentsMargins(24, 0, 0, 0)
        self.provider = QComboBox(self.provider_box)
        self.provider.setObjectName("providerName")
        for name, label in PROVIDER_LABELS.items():
            self.provider.addItem(label, name)
        self.competitions = QLineEdit(self.provider_box)
        self.competitions.setObjectName("competitions")
        self.token = QLineEdit(self.provider_box)
        self.token.setObjectName("providerToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName("API token")
        self.keyring_note = _plain("", self, "keyringNote")
        self.keyring_note.setContentsMargins(24, 0, 0, 0)
        if not keyring_available:
            self.keyring_note.setText(
                "No system keyring here: the token is kept for this session only. To give it "
                "each time without typing, set TOUCHLINE_PROVIDER_TOKEN."
            )
        form.addRow("&Provider:", self.provider)
        form.addRow("&Competitions:", self.competitions)
        form.addRow("&Token:", self.token)

        server_row = QHBoxLayout()
        self.url = QLineEdit(self)
        self.url.setObjectName("serverUrl")
        self.url.setPlaceholderText("http://localhost:8000")
        self.url.setAccessibleName("Server address")
        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setObjectName("testConnection")
        server_row.addWidget(self.remote)
        server_row.addWidget(self.url, 1)
        server_row.addWidget(self.test_button)
        self.test_result = _plain("", self, "testResult")

        layout = QVBoxLayout(self)
        layout.addWidget(self.demo)
        layout.addWidget(self.live)
        layout.addWidget(self.provider_box)
        layout.addWidget(self.keyring_note)  # beside the form: a wrapped row there is clipped
        layout.addLayout(server_row)
        layout.addWidget(self.test_result)

        # Fill in what is kept, then follow the user's changes.
        choice = source.provider
        if choice is not None:
            self.provider.setCurrentIndex(max(0, self.provider.findData(choice.name)))
            self.competitions.setText(",".join(choice.competitions))
        self._provider_url = choice.url if choice else None
        self.url.setText(source.server_url or "")
        {"demo": self.demo, "provider": self.live, "server": self.remote}[source.kind].setChecked(
            True
        )
        self.kinds.buttonToggled.connect(self._sync)
        self.provider.currentIndexChanged.connect(self._sync)
        self.url.textChanged.connect(self._url_edited)
        self.test_button.clicked.connect(self._test)
        self._sync()

    # --- what the dialog asks ---------------------------------------------------------------

    def kind(self) -> str:
        return (
            "provider" if self.live.isChecked() else "server" if self.remote.isChecked() else "demo"
        )

    def provider_name(self) -> str:
        return str(self.provider.currentData())

    def result(self) -> DataSource:
        """The source chosen (no token in it: see :meth:`entered_token`)."""
        kind = self.kind()
        if kind == "provider":
            choice = ProviderChoice(
                self.provider_name(), codes(self.competitions.text()), None, self._provider_url
            )
            return DataSource("provider", choice)
        if kind == "server":
            return DataSource("server", server_url=self._normalised(self.url.text()))
        return DataSource()

    def entered_token(self) -> str | None:
        """A token typed here (to keep in the keyring), or None to keep the saved one."""
        return self.token.text().strip() or None

    def problem(self) -> str | None:
        """Why the choice cannot be saved yet (said under the box), or None."""
        kind = self.kind()
        if kind == "server":
            try:
                url = server_address(self.url.text())
            except ValueError as exc:
                return f"{str(exc)[0].upper()}{str(exc)[1:]}."
            if url != self._tested:
                return "Test the connection first: only a server that answers is saved."
        if kind == "provider":
            name = self.provider_name()
            if name == "espn" and not self.competitions.text().strip():
                return "ESPN needs the leagues to follow, e.g. eng.1,fifa.world."
            if name == "football-data" and not (self.entered_token() or name in self._saved_tokens):
                return "football-data.org needs your token (free at football-data.org)."
        return None

    def focus_choice(self) -> None:
        """Puts the keyboard focus on what is chosen (a server: its address, to change it)."""
        chosen = self.url if self.remote.isChecked() else self.kinds.checkedButton()
        if chosen is not None:
            chosen.setFocus()

    def show_problem(self) -> None:
        self.test_result.setText(self.problem() or "")

    def set_saved_tokens(self, providers: frozenset[str]) -> None:
        """The providers whose token is kept (read by the app once the keyring answered)."""
        self._saved_tokens = providers
        self._sync()

    # --- Test connection ------------------------------------------------------------------------

    def set_test_result(self, url: str, ok: bool, message: str) -> None:
        """The app's answer to :attr:`testRequested` for ``url``."""
        self.test_button.setEnabled(self.remote.isChecked())
        if url != self._normalised(self.url.text()):
            return  # the address changed while it was tested: that answer is for another
        self._tested = url if ok else None
        self.test_result.setText(message)

    def _test(self) -> None:
        url = self._normalised(self.url.text())
        if not url:
            self.show_problem()  # says what is wrong with the address
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(f"Testing {url}…")
        self.testRequested.emit(url)

    def _url_edited(self) -> None:
        self.test_result.setText("")  # a result said of the address as it was

    @staticmethod
    def _normalised(text: str) -> str:
        """The address as it would be saved ("" when it is no usable address)."""
        try:
            return server_address(text)
        except ValueError:
            return ""

    def _sync(self, *_args: object) -> None:
        self.provider_box.setEnabled(self.live.isChecked())
        self.url.setEnabled(self.remote.isChecked())
        self.test_button.setEnabled(self.remote.isChecked())
        name = self.provider_name()
        self.competitions.setPlaceholderText(EXAMPLES[name])
        needs_token = name == "football-data"
        self.token.setEnabled(needs_token)
        self.keyring_note.setVisible(needs_token and bool(self.keyring_note.text()))
        saved = name in self._saved_tokens
        self.token.setPlaceholderText(
            "saved in the system keyring (type to replace)" if saved and needs_token
            else "your API token" if needs_token
            else "not needed"
        )  # fmt: skip
