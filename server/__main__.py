"""``touchline-server``: command line, logging and the uvicorn loop."""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from server.argtypes import codes, non_negative, origin, positive
from server.config import BUNDLED_FEEDS, DEFAULTS, NO_FEED, PROVIDERS, PROVIDERS_HELP
from server.http import auth_failures
from server.runtime import allocator

if TYPE_CHECKING:
    import uvicorn

    from server.core.broker import Broker
    from server.http.app import Background
    from server.store.base import Store

log = logging.getLogger("touchline.server")

SEND_BUFFER = 128 * 1024
#: File descriptors kept free of streams and waiting connections: the listener, the store,
#: publishers, and the requests being answered (the page, /healthz, a publish).
FD_RESERVE = 256


class _Given(argparse.Action):
    """Stores the value and notes that it was given: --feed's default depends on --provider."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="touchline-server",
        description="Stream live football events over Server-Sent Events (GET /live-scores), "
        "take events from live scorers (POST /api/...), and serve a live scoreboard page.",
    )
    from server import __version__

    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument(
        "--host", default=DEFAULTS.host, help="address to listen on (default %(default)s)"
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULTS.port,
        help="port (default %(default)s; 0 picks a free one)",
    )
    p.add_argument(
        "--port-file",
        metavar="PATH",
        help="once listening, write the port to PATH (the number and a newline): how a program "
        "that starts the server with --port 0 learns which port it got",
    )
    p.add_argument(
        "--feed",
        default=DEFAULTS.feed,
        action=_Given,
        metavar="|".join(("PATH", *BUNDLED_FEEDS, NO_FEED)),
        help=f"feed file to replay: a path, a bundled feed, or '{NO_FEED}' for publishing only "
        f"(default %(default)s, or {NO_FEED} with --provider: no demo matches among real ones)",
    )
    p.add_argument(
        "--speed",
        type=positive(float),
        default=DEFAULTS.speed,
        help="replay speed: match time runs this many times faster than real time "
        f"(1 = real time; default %(default)s, a 90-minute match in {90 / DEFAULTS.speed:g} "
        "minutes)",
    )
    p.add_argument(
        "--head-start",
        type=non_negative(float),
        default=DEFAULTS.head_start,
        metavar="MINUTES",
        help="start the feed's first matchday this many match minutes after its first "
        "kick-off, what came before published at once (default %(default)g)",
    )
    p.add_argument("--loop", action="store_true", help="start the feed again when it ends")
    real = p.add_argument_group(
        "real matches",
        "follow a live data provider: the server polls it, within its rate limit, and "
        "publishes what changes to every viewer",
    )
    real.add_argument(
        "--provider",
        choices=PROVIDERS,
        help=PROVIDERS_HELP,
    )
    real.add_argument(
        "--provider-token",
        # The default is read here but never shown: --help must not print a secret.
        default=os.environ.get("TOUCHLINE_PROVIDER_TOKEN") or None,
        metavar="TOKEN",
        help="the provider's API token (or TOUCHLINE_PROVIDER_TOKEN, which keeps it out of the "
        "process list); never logged",
    )
    real.add_argument(
        "--competitions",
        type=codes,
        default=[],
        metavar="A,B",
        help="what to follow: football-data competition codes (PL,CL; default: every one the "
        "plan covers) or ESPN league slugs (eng.1,uefa.champions; required)",
    )
    real.add_argument(
        "--provider-url",
        metavar="URL",
        help="the provider's base URL (a mirror, a proxy, a test server); default its own",
    )
    real.add_argument(
        "--provider-budget",
        type=positive(float),
        metavar="N",
        help="requests a minute at most (default: the provider's limit, 10 for football-data's "
        "free plan, 30 for espn)",
    )
    real.add_argument(
        "--provider-poll",
        type=positive(float),
        default=DEFAULTS.provider_poll,
        metavar="S",
        help="seconds between polls while a match is live or about to kick off "
        "(default %(default)g); the budget may stretch it",
    )
    real.add_argument(
        "--provider-idle",
        type=positive(float),
        default=DEFAULTS.provider_idle,
        metavar="S",
        help="seconds between polls when no match is (default %(default)g)",
    )
    p.add_argument(
        "--publish-token",
        default=os.environ.get("TOUCHLINE_PUBLISH_TOKEN") or None,
        metavar="T",
        help="bearer token live scorers must send to publish (or TOUCHLINE_PUBLISH_TOKEN); "
        "without one, publishing is off",
    )
    p.add_argument(
        "--heartbeat",
        type=positive(float),
        default=DEFAULTS.heartbeat,
        metavar="S",
        help="seconds between heartbeat comments on idle streams (default %(default)s)",
    )
    p.add_argument(
        "--history",
        type=positive(int),
        default=DEFAULTS.history,
        metavar="N",
        help="events kept for clients that resume with Last-Event-ID (default %(default)s)",
    )
    p.add_argument(
        "--store",
        metavar="PATH",
        help="SQLite file that keeps the event log and match state across restarts "
        "(default: one per feed in the user's data folder; ':memory:' keeps nothing)",
    )
    p.add_argument(
        "--broker",
        default=os.environ.get("TOUCHLINE_BROKER") or DEFAULTS.broker,
        metavar="redis://HOST:PORT/DB",
        help="keep the event log, match state and idempotency keys in Redis, shared by every "
        "server given the same URL, so several servers behind a load balancer act as one "
        "(or TOUCHLINE_BROKER; docs/operations.md). Default: this server's own --store",
    )
    p.add_argument(
        "--send-timeout",
        type=positive(float),
        default=DEFAULTS.send_timeout,
        metavar="S",
        help="drop a client whose stream has not accepted data for this long (default %(default)s)",
    )
    p.add_argument(
        "--max-streams",
        type=positive(int),
        default=DEFAULTS.max_streams,
        metavar="N",
        help="open streams at most; more get 503 with Retry-After (default %(default)s, "
        "lowered to fit the open-file limit)",
    )
    p.add_argument(
        "--max-pending",
        type=positive(int),
        default=DEFAULTS.max_pending,
        metavar="N",
        help="connections not being served (opening, sending a request, or idle between "
        "two) at most; beyond it the one waiting longest is closed (default %(default)s, "
        "lowered to fit the open-file limit)",
    )
    p.add_argument(
        "--request-timeout",
        type=positive(float),
        default=DEFAULTS.request_timeout,
        metavar="S",
        help="seconds a request (headers and body) may take to arrive; slower gets 408 "
        "(default %(default)g)",
    )
    p.add_argument(
        "--max-body",
        type=positive(int),
        default=DEFAULTS.max_body,
        metavar="BYTES",
        help="largest publish body; larger gets 413 (default %(default)s)",
    )
    p.add_argument(
        "--publish-rate",
        type=positive(float),
        default=DEFAULTS.publish_rate,
        metavar="N",
        help="publishes a second per token on average; faster gets 429 with Retry-After "
        "(default %(default)g)",
    )
    p.add_argument(
        "--publish-burst",
        type=positive(int),
        default=DEFAULTS.publish_burst,
        metavar="N",
        help="publishes a token may send at once (a scorer's backlog after a lost connection) "
        "before --publish-rate applies (default %(default)s)",
    )
    p.add_argument(
        "--auth-failures",
        type=auth_failures.parse_limit,
        default=DEFAULTS.auth_failures,
        metavar="N/S",
        help="failed publish authentications a client address may make at once, then one "
        "every S seconds; beyond it every publish from there gets 429 (default {}/{:g})".format(
            *DEFAULTS.auth_failures
        ),
    )
    p.add_argument(
        "--cors-origin",
        type=origin,
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN (https://host[:port], or * for any) read the stream "
        "and publish; repeatable. Default: no CORS, same-origin only",
    )
    p.add_argument(
        "--log-level",
        default=DEFAULTS.log_level,
        choices=["critical", "error", "warning", "info", "debug"],
        help="default %(default)s",
    )
    return p


def default_store_path(feed: str, provider: str | None = None) -> Path:
    """One store per feed (and provider), so switching never mixes two matchdays in one
    scoreboard."""
    from platformdirs import user_data_path

    if feed == NO_FEED:
        name = provider or "live"
    else:
        if feed in BUNDLED_FEEDS:
            name = feed
        else:
            where = Path(feed).resolve()
            digest = hashlib.sha256(str(where).encode()).hexdigest()[:8]
            name = f"{where.stem}-{digest}"
        name = f"{provider}+{name}" if provider else name
    return user_data_path("touchline") / "server" / f"{name}.sqlite3"


def open_store(
    path: str | None,
    feed: str,
    history: int,
    provider: str | None = None,
    broker: str | None = None,
) -> Store:
    from server.store.memory import MemoryStore
    from server.store.sqlite import SqliteStore

    if broker:
        from server.store.redis import RedisStore

        return RedisStore(broker, keep=history)
    if path == ":memory:":
        return MemoryStore()
    return SqliteStore(path or default_store_path(feed, provider), keep=history)


def fit_connections(streams: int, pending: int) -> tuple[int, int]:
    """Raises the open-file limit as far as allowed and fits the stream limit and the waiting
    connections (``--max-pending``) under it, FD_RESERVE descriptors apart, so a crowd gets a
    clear 503 and a flood loses its oldest connections instead of failed accepts (EMFILE)
    that would starve the API."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to fit
        return streams, pending
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = streams + pending + FD_RESERVE
    target = min(wanted, hard if hard != resource.RLIM_INFINITY else 1 << 20)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if wanted <= soft:
        return streams, pending
    room = max(2, soft - FD_RESERVE)
    # Waiting connections get up to a quarter of what there is, streams the rest.
    fitted_pending = max(1, min(pending, room // 4))
    fitted_streams = max(1, min(streams, room - fitted_pending))
    for option, asked, fitted in (
        ("--max-streams", streams, fitted_streams),
        ("--max-pending", pending, fitted_pending),
    ):
        if fitted < asked:
            log.warning(
                "%s %d does not fit the open-file limit %d: lowered to %d",
                option,
                asked,
                soft,
                fitted,
            )
    return fitted_streams, fitted_pending


def fail(message: str) -> NoReturn:
    print(f"touchline-server: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def run() -> None:
    """``touchline-server`` and ``python -m server``: the program, which alone changes the
    process. It picks the allocator (which may start this process again, see allocator.py),
    then runs the server under the GC policy (gc_policy.py). ``main()`` itself does neither."""
    allocator.use_system_malloc()
    main(own_process=True)


def serve(config: uvicorn.Config, sock: socket.socket, broker: Broker) -> None:
    """Runs uvicorn on ``sock`` until a signal (or ``should_exit``) stops it.

    uvicorn's shutdown stops accepting, waits for the open connections to close (cancelling
    what is left after its graceful timeout) and only then runs the app's lifespan shutdown:
    too late for a farewell. So the broker ends every stream as that shutdown begins: each
    sends what it still owes, a farewell and the end of its body at once, and the wait for
    connections is short."""
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            broker.end_streams()
            await super().shutdown(sockets)

    Server(config).run(sockets=[sock])


def main(argv: list[str] | None = None, *, own_process: bool = False) -> None:
    """Runs the server until a signal stops it. ``own_process``: this process is the server's
    alone, so the GC policy may freeze and tune its garbage collector for crowds of streams;
    left off, nothing of the process is changed (a host calling main() in its own process)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    if args.provider and not getattr(args, "feed_given", False):
        args.feed = NO_FEED  # with a provider, no demo matches mixed with real ones
    provider = None
    if args.provider:
        from server.feeds.providers import ProviderError, make_provider

        try:
            provider = make_provider(
                args.provider, token=args.provider_token, competitions=args.competitions
            )
        except ProviderError as exc:
            fail(str(exc))

    feed = None
    if args.feed != NO_FEED:
        from server.feeds import FeedError, load_feed

        try:
            feed = load_feed(args.feed)
        except FeedError as exc:
            fail(str(exc))
        for warning in feed.warnings:  # data the feed contradicts itself on; the score wins
            log.warning("feed: %s", warning)

    if args.broker and args.store:
        fail("--store and --broker both say where the event log lives: give one of them")

    from server.core.broker import Broker
    from server.store.base import Unreachable
    from server.store.sqlite import StoreError

    try:
        store = open_store(args.store, args.feed, args.history, args.provider, args.broker)
        broker = Broker(store, history=args.history)
    except StoreError as exc:
        fail(str(exc))
    except ValueError as exc:  # a --broker URL redis-py cannot use
        fail(f"--broker: {exc}")
    except Unreachable as exc:
        fail(f"cannot use the broker: {exc.reason}")

    # Bind before anything starts, so a busy port is a clear error and --port 0 works.
    try:
        sock = socket.create_server((args.host, args.port), reuse_port=False)
    except OSError as exc:
        fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    # Accepted connections inherit this: a fixed kernel send buffer (instead of autotuning up
    # to 4 MiB) bounds what a client that stopped reading can hold, so it soon blocks a send
    # and --send-timeout drops it.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    if hasattr(socket, "TCP_USER_TIMEOUT"):  # Linux
        # A client dropped for not reading still has unsent data, and the kernel would keep
        # its socket (and its kernel buffers) open until it reads: give up on unacknowledged
        # data a little after --send-timeout, so --max-streams bounds open files too.
        wait_ms = int((args.send_timeout + 5) * 1000)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, wait_ms)
    host, port = sock.getsockname()[:2]
    if args.port_file:
        try:
            Path(args.port_file).write_text(f"{port}\n", encoding="ascii")
        except OSError as exc:
            fail(f"cannot write --port-file {args.port_file}: {exc.strerror or exc}")

    import uvicorn

    from server.http.app import Settings, create_app
    from server.http.transport import TransportLimits, protocol

    max_streams, max_pending = fit_connections(args.max_streams, args.max_pending)
    limits = TransportLimits(request_timeout=args.request_timeout, max_pending=max_pending)
    settings = Settings(
        publish_token=args.publish_token,
        heartbeat=args.heartbeat,
        send_timeout=args.send_timeout,
        history=args.history,
        max_streams=max_streams,
        max_body=args.max_body,
        publish_rate=args.publish_rate,
        publish_burst=args.publish_burst,
        auth_failures=args.auth_failures,
        cors_origins=args.cors_origin,
    )
    background: dict[str, Background] = {}
    if broker.shared is not None:
        # First: every other server's events, from the last one this server has.
        background["follow-store"] = broker.follow
    on_stream_open = None
    if own_process:
        from server.runtime.gc_policy import GcPolicy

        gc_policy = GcPolicy(broker)  # fed by the broker's counts and each stream's opening
        background["gc-policy"] = gc_policy.run
        on_stream_open = gc_policy.arrived
    if feed is not None:
        from server.core.lease import run_alone
        from server.feeds.replay import progress_key, replay

        # With several servers on one store, one of them replays (run_alone's lease).
        background["feed-replay"] = functools.partial(
            run_alone,
            broker,
            progress_key(feed),
            functools.partial(
                replay, feed, broker, speed=args.speed, loop=args.loop, head_start=args.head_start
            ),
        )
    health = {}
    if provider is not None:
        from server.feeds.providers.poller import Pace, Poller

        pace = Pace(
            live=args.provider_poll,
            idle=max(args.provider_idle, args.provider_poll),
            budget=args.provider_budget or provider.rate_limit,
        )
        poller = Poller(provider, broker, base_url=args.provider_url, pace=pace)
        from server.core.lease import run_alone

        # With several servers on one store, one of them polls (run_alone's lease).
        background["provider"] = functools.partial(
            run_alone, broker, f"provider:{provider.name}", poller.run
        )
        health["provider"] = lambda: poller.state
        # httpx logs every request at INFO: a line per poll says nothing the state does not.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    app = create_app(
        settings,
        broker,
        background=background,
        on_stream_open=on_stream_open,
        health=health,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    from server import __version__

    log.info("Touchline server %s listening on %s", __version__, url)
    log.info("Live page: %s/  stream: %s/live-scores  API docs: %s/docs", url, url, url)
    log.info("Feed: %s%s", args.feed, f" at speed {args.speed:g}" if feed else "")
    if provider is not None:
        log.info(
            "Provider: %s (%s) at %s, polling every %g s while a match is live, %g s when "
            "none is, at most %d requests a minute",
            provider.name,
            ", ".join(args.competitions) or "every competition of the plan",
            poller.base_url,
            pace.live,
            pace.idle,
            poller.budget.limit,
        )
    if args.broker:
        from server.store.redis import shown_url

        where = shown_url(args.broker)
        log.info("Broker: %s, epoch %s at event %d", where, broker.epoch, broker.seq)
    else:
        log.info("Store: %s", args.store or default_store_path(args.feed, args.provider))
    log.info(
        "Limits: %d streams, %d connections not being served, requests within %g s, "
        "%d-byte bodies, %g publishes/s (bursts of %d), %d failed "
        "authentications per address then one every %g s; CORS: %s",
        settings.max_streams,
        limits.max_pending,
        limits.request_timeout,
        settings.max_body,
        settings.publish_rate,
        settings.publish_burst,
        *settings.auth_failures,
        ", ".join(settings.cors_origins) or "off",
    )
    if not args.publish_token:
        log.info("Publishing is off (start with --publish-token or TOUCHLINE_PUBLISH_TOKEN)")
    elif len(args.publish_token) < 16:
        log.warning(
            "The publish token is shorter than 16 characters: a short token can be guessed; "
            "use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`"
        )
    config = uvicorn.Config(
        app,
        # uvicorn's httptools protocol with a request deadline, a bound on request heads and
        # a cap on waiting connections (server/http/transport.py); no WebSocket upgrades.
        http=protocol(limits),
        ws="none",
        log_level=args.log_level,
        access_log=args.log_level == "debug",
        timeout_graceful_shutdown=3,
        lifespan="on",
        server_header=False,  # one header less on every response, and no software advertised
    )
    serve(config, sock, broker)


if __name__ == "__main__":
    run()
