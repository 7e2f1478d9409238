"""``touchline``: the desktop viewer's command line.

With no server given and none remembered, it starts the built-in server replaying the demo
feed and follows it. ``--server URL`` follows a running server and remembers it;
``--embedded`` (or ``--server embedded``) forgets it and goes back to the built-in one.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from desktop.platform.notifiers import BACKENDS
from server.argtypes import positive
from server.config import BUNDLED_FEEDS, DEFAULTS

if TYPE_CHECKING:  # Qt is imported only once a window is needed: --help works without it
    from PySide6.QtWidgets import QApplication

    from desktop.app import TouchlineApp

EMBEDDED = "embedded"


def _server_url(text: str) -> str:
    value = text.strip()
    if value.lower() == EMBEDDED:
        return EMBEDDED
    probe = value if "://" in value else "http://" + value
    parts = urlsplit(probe)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"not an http(s) server address: {text!r} (e.g. http://localhost:8000)"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {text!r}") from None
    return probe.rstrip("/")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="touchline",
        description="Live football scores on your desktop, with goal notifications. "
        "Without a server it runs the built-in one with a demo match day.",
    )
    from server import __version__  # the package's, with the one fallback for a checkout

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--server",
        type=_server_url,
        metavar="URL",
        help="follow a running Touchline server (remembered for next time); 'embedded' forgets it",
    )
    where.add_argument(
        "--embedded",
        action="store_true",
        help="forget the remembered server and use the built-in one",
    )
    p.add_argument(
        "--feed",
        default=DEFAULTS.feed,
        metavar="|".join(("PATH", *BUNDLED_FEEDS)),
        help="what the built-in server replays (default %(default)s)",
    )
    p.add_argument(
        "--speed",
        type=positive(float),
        default=DEFAULTS.speed,
        help="replay speed of the built-in server; 1 = real time (default %(default)s)",
    )
    p.add_argument("--minimized", action="store_true", help="start in the system tray")
    p.add_argument(
        "--notifier",
        choices=BACKENDS,
        help="how to show notifications (default: native if available, else tray, else "
        "a banner in the window)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens to stderr")
    return p


def skip_httpx_cli() -> None:
    """Keeps httpx from importing its command-line tool; call it before httpx is first imported.

    httpx imports that tool (click, rich, pygments) whenever those are installed: megabytes and
    tens of milliseconds of the viewer's start for a tool it never runs. None in sys.modules
    makes that import fail, which httpx handles (the tool is an optional extra). It changes the
    whole process, so the program does it, not an import of ``desktop``.
    """
    # None is the import system's "blocked" entry; typeshed types sys.modules as modules only.
    modules = cast(dict[str, ModuleType | None], sys.modules)
    modules.setdefault("httpx._main", None)


def main(argv: list[str] | None = None) -> int:
    skip_httpx_cli()
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    feed_given = args.feed != DEFAULTS.feed or args.speed != DEFAULTS.speed
    # Imported late: --help and --version must not need Qt (or a display).
    from desktop.app import Options, TouchlineApp
    from desktop.platform.settings import Settings

    settings = Settings(default_settings_path())
    server = args.server
    if args.embedded or server == EMBEDDED:
        settings.server_url = None
        server = None
    elif server:
        settings.server_url = server
    if feed_given and (server or settings.server_url):
        print("touchline: --feed/--speed apply to the built-in server only", file=sys.stderr)
    settings.sync()
    options = Options(
        server=server,
        feed=args.feed,
        speed=args.speed,
        minimized=args.minimized,
        notifier=args.notifier or os.environ.get("TOUCHLINE_NOTIFIER") or None,
    )
    return run_app(lambda: TouchlineApp(options, settings))


def default_settings_path() -> Path | None:
    """``TOUCHLINE_SETTINGS`` overrides where settings live (tests, portable installs)."""
    value = os.environ.get("TOUCHLINE_SETTINGS")
    return Path(value) if value else None


def qt_application(argv: list[str]) -> QApplication:
    from PySide6.QtWidgets import QApplication

    from desktop.ui import icons

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("Touchline")
    app.setOrganizationName("touchline")
    app.setDesktopFileName("touchline")
    app.setWindowIcon(icons.app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray keeps running; quitting is explicit
    return app


def run_app(factory: Callable[[], TouchlineApp]) -> int:
    """Runs a TouchlineApp on the qasync bootstrap until it quits (menu, tray, SIGINT/SIGTERM);
    a signal asks the app to shut down in order, as its Quit menu does."""
    from desktop.platform import aio

    qapp = qt_application(sys.argv[:1])
    app = factory()
    return aio.run(app.run, qapp, on_quit=app.quit)


if __name__ == "__main__":
    sys.exit(main())
