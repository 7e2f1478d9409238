"""``touchline``: the desktop viewer's command line.

With no server given and none remembered, it starts the built-in server replaying the demo
feed and follows it. ``--server URL`` follows a running server, and remembers it once the
viewer has connected to it (a mistyped address is not kept); ``--embedded`` (or ``--server
embedded``) forgets it and goes back to the built-in one. Options given on the command line
win for that run: ``--feed`` or ``--speed`` run the built-in server with them even when a
server is remembered (which stays remembered for the next plain ``touchline``).
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

from desktop.core.server_address import server_address
from desktop.platform.notifiers import BACKENDS
from server.argtypes import codes, positive
from server.config import BUNDLED_FEEDS, DEFAULTS, PROVIDERS, PROVIDERS_HELP

if TYPE_CHECKING:  # Qt is imported only once a window is needed: --help works without it
    from PySide6.QtWidgets import QApplication

    from desktop.app import Options, TouchlineApp
    from desktop.platform.embedded import ProviderChoice
    from desktop.platform.settings import Settings

EMBEDDED = "embedded"


def _server_url(text: str) -> str:
    if text.strip().lower() == EMBEDDED:
        return EMBEDDED
    try:
        return server_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        help="follow a running Touchline server (remembered once it worked); 'embedded' forgets it",
    )
    where.add_argument(
        "--embedded",
        action="store_true",
        help="forget the remembered server and use the built-in one",
    )
    # No argparse defaults: an option the user typed must be told from one left out (it
    # chooses the built-in server for this run, over a remembered one).
    p.add_argument(
        "--feed",
        metavar="|".join(("PATH", *BUNDLED_FEEDS)),
        help=f"run the built-in server with this feed, for this run (default {DEFAULTS.feed})",
    )
    p.add_argument(
        "--speed",
        type=positive(float),
        help="replay speed of the built-in server, for this run; 1 = real time "
        f"(default {DEFAULTS.speed:g})",
    )
    # --- real matches (issue 10): the built-in server follows a live data provider ---------
    real = p.add_argument_group(
        "real matches",
        "the built-in server follows a live data provider instead of the demo (for this run; "
        "Settings › Data source keeps a choice)",
    )
    real.add_argument(
        "--provider",
        choices=PROVIDERS,
        help=PROVIDERS_HELP,
    )
    real.add_argument(
        "--competitions",
        type=codes,
        default=(),
        metavar="A,B",
        help="football-data competition codes (PL,CL) or ESPN league slugs (eng.1,fifa.world)",
    )
    real.add_argument(
        "--provider-token",
        metavar="TOKEN",
        help="the provider's API token (default: the one saved in Settings, in the system "
        "keyring, or TOUCHLINE_PROVIDER_TOKEN); handed to the server by environment, never logged",
    )
    real.add_argument(
        "--provider-url", metavar="URL", help="the provider's base URL (a mirror, a proxy)"
    )
    # --- end of real matches -----------------------------------------------------------------
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.provider and (args.server or args.embedded):
        parser.error("--provider runs the built-in server: not with --server or --embedded")
    if not args.provider and (args.competitions or args.provider_token or args.provider_url):
        parser.error("--competitions, --provider-token and --provider-url need --provider")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.server not in (None, EMBEDDED) and (args.feed or args.speed):
        parser.error("--feed and --speed are for the built-in server; leave out --server")
    # Imported late: --help and --version must not need Qt (or a display).
    from desktop.app import TouchlineApp
    from desktop.platform.settings import Settings

    settings = Settings(default_settings_path())
    if args.embedded or args.server == EMBEDDED:
        settings.server_url = None
        settings.provider = None  # the built-in demo again
        settings.sync()
    options = run_options(args, settings)
    return run_app(lambda: TouchlineApp(options, settings))


def run_options(args: argparse.Namespace, settings: Settings | None = None) -> Options:
    """What this run follows and how, from the command line (the settings file fills in the
    rest: a remembered server or data provider, unless this run asks for another source)."""
    from desktop.app import Options

    forget = args.embedded or args.server == EMBEDDED
    server = None if forget else args.server
    feed_given = args.feed is not None or args.speed is not None
    provider = _provider(args, settings, server is not None or feed_given)
    return Options(
        server=server,
        remember_server=server is not None,  # once it worked (TouchlineApp saves it)
        built_in=forget or feed_given or args.provider is not None,
        # With a provider and no --feed, no feed: no demo matches among real ones.
        feed=args.feed or (None if provider else DEFAULTS.feed),
        provider=provider,
        speed=args.speed or DEFAULTS.speed,
        minimized=args.minimized,
        notifier=args.notifier or os.environ.get("TOUCHLINE_NOTIFIER") or None,
    )


def _provider(
    args: argparse.Namespace, settings: Settings | None, other_source: bool
) -> ProviderChoice | None:
    """``--provider``'s choice; else the one saved in Settings, unless this run's options name
    another source (a server, a feed): options given on the command line win for that run.
    The token is read from the keyring later, off the event loop, when not given here."""
    from desktop.platform.embedded import ProviderChoice

    if args.provider:
        return ProviderChoice(
            args.provider, args.competitions, args.provider_token or None, args.provider_url
        )
    if other_source or settings is None or settings.server_url:
        return None
    return settings.provider


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
