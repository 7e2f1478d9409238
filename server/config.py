"""The server's option defaults, written once.

``touchline-server``'s command line (server/__main__.py), the app's ``Settings``
(server/http/app.py), the broker and the SQLite store, the replay (server/feeds/replay.py) and
the viewer's built-in server (desktop/__main__.py, ``desktop.app.Options``,
``desktop.platform.embedded``) all take their defaults from :data:`DEFAULTS`, so that the
default speed, say, cannot be 30 in one place and something else in another.

Standard library only (the import-linter contracts in pyproject.toml say so): the viewer imports
it at start-up, before any of the server's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Feeds shipped with the server (``assets/feeds/<name>.json``), by the name ``--feed`` takes.
BUNDLED_FEEDS = ("demo", "worldcup-2026")
#: ``--feed none``: no replay, publishing only.
NO_FEED = "none"
#: ``--provider``'s choices (server.feeds.providers.NAMES), here so the server's and the
#: viewer's command lines offer them without importing the providers.
PROVIDERS = ("football-data", "espn")
#: What ``--provider`` says of them, in both command lines' help.
PROVIDERS_HELP = (
    "football-data (football-data.org, needs a free token) or espn (ESPN's public site API: "
    "unofficial and undocumented, may change without notice)"
)

#: Match minutes into the demo's matchday at which the viewer's built-in server starts it
#: (``--head-start``): with the demo's staggered kick-offs, a newcomer's first screen has one
#: match finished, one at half time, two under way at different minutes and two to come.
DEMO_HEAD_START = 120.0


@dataclass(frozen=True)
class Defaults:
    """What ``touchline-server`` does when an option is not given."""

    host: str = "127.0.0.1"
    port: int = 8000
    feed: str = "demo"
    #: Match time runs this many times faster than real time: a 90-minute match in 3 minutes.
    speed: float = 30.0
    #: Match minutes after its first kick-off at which the first matchday starts.
    head_start: float = 0.0
    #: Seconds between heartbeat comments on an idle stream.
    heartbeat: float = 15.0
    #: Events kept for clients that resume with Last-Event-ID.
    history: int = 10_000
    #: A send blocked this long means the client stopped reading: drop it, it will resume.
    send_timeout: float = 30.0
    max_streams: int = 10_000
    #: Connections not being served (opening, sending a request, resting between two) at
    #: most; past it the one waiting longest is closed.
    max_pending: int = 1000
    #: Seconds a request (head and body) may take to arrive whole.
    request_timeout: float = 10.0
    max_body: int = 16 * 1024
    #: Publishes a second per token, on average, and the burst a scorer may send at once
    #: (a backlog flushed after a lost connection, a bulk import).
    publish_rate: float = 20.0
    publish_burst: int = 2000
    #: Failed authentications an address may make at once, then one more every so many
    #: seconds. A scorer who pastes a stale token or a script started with an old one fails a
    #: few times and stops; a guesser gets 10 tries a minute, 14,400 a day per address. A random
    #: token of 16+ characters (about 96 bits) is out of reach of that forever; ``s3cret`` is
    #: not, hence the start-up warning about short tokens.
    auth_failures: tuple[int, float] = (10, 6.0)
    log_level: str = "info"
    #: Seconds between a data provider's polls while a match is live or about to kick off,
    #: and when none is.
    provider_poll: float = 30.0
    provider_idle: float = 300.0
    #: Where several servers share their event log (``redis://HOST:PORT/DB``); none: each
    #: server keeps its own (SQLite, ``--store``).
    broker: str | None = None


DEFAULTS = Defaults()
