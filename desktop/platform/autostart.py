"""Start at login: an XDG autostart entry on Linux (and other freedesktop systems).

The entry is ``$XDG_CONFIG_HOME/autostart/touchline.desktop`` (``~/.config`` when unset) and
starts ``touchline --minimized`` with the same executable the user runs now. Other platforms
are not supported yet; :func:`supported` says so and the settings dialog disables the box.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

ENTRY_NAME = "touchline.desktop"
UNSUPPORTED_REASON = "Starting at login is not supported on this system yet."


def supported() -> bool:
    return sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def config_home() -> Path:
    value = os.environ.get("XDG_CONFIG_HOME", "")
    # The spec says a relative value is invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".config"


def entry_path() -> Path:
    return config_home() / "autostart" / ENTRY_NAME


def _exec_quote(arg: str) -> str:
    """Quoting per the Desktop Entry spec's Exec key (double quotes, escaped specials)."""
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`%"):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg).replace("%", "%%")
    return f'"{escaped}"'


def command() -> list[str]:
    """How to start Touchline minimized: the installed script, else this interpreter."""
    script = shutil.which("touchline")
    if script:
        return [os.path.abspath(script), "--minimized"]
    return [sys.executable, "-m", "desktop", "--minimized"]


def entry_text(argv: list[str] | None = None) -> str:
    exec_line = " ".join(_exec_quote(a) for a in (argv or command()))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Touchline\n"
        "Comment=Live football scores in the system tray\n"
        f"Exec={exec_line}\n"
        "Icon=touchline\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_enabled() -> bool:
    return supported() and entry_path().is_file()


def set_enabled(enabled: bool, argv: list[str] | None = None) -> Path:
    """Writes or removes the autostart entry; returns its path. Raises OSError on failure."""
    if not supported():
        raise OSError(UNSUPPORTED_REASON)
    path = entry_path()
    if enabled:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(entry_text(argv), encoding="utf-8")
        tmp.replace(path)  # never leave a half-written entry behind
    else:
        path.unlink(missing_ok=True)
    return path


def describe(argv: list[str]) -> str:
    """The command line as a shell would show it (for tooltips)."""
    return shlex.join(argv)
