"""The durable store: SQLite in WAL mode, the embedded default.

Every event is committed (and fsynced: ``synchronous=FULL``) before the broker streams it or
answers 201, so what a client or scorer has seen survives a crash of the process (``kill -9``)
and a power loss on a disk that honours fsync. ``NORMAL`` would be much cheaper per commit
(docs/performance.md) but, in WAL mode, can lose the last commits on power loss.

Writes run on one dedicated thread, so an fsync never stalls the event loop that streams.
The epoch is created with the file and kept, so ids survive restarts and clients resume
exactly. The event log is trimmed to the newest ``keep`` events; older ones live on only in
the match state: a row per match (its score, status, teams...) and a row per event of its
timeline, so a publish writes the match's head and its new event, never the whole timeline
again (a publish costs the same at the 6,000th event as at the first). The answers to keyed
publishes (``Idempotency-Key``) are written with their events and trimmed with them.

A write that fails (a full disk) is rolled back and raised as StoreUnavailable with SQLite's
own reason; nothing of it is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import ValidationError

from server.config import DEFAULTS
from server.store.base import Loaded, StoredEvent, StoredReply, StoreUnavailable, new_epoch
from server.wire import Match

#: Changes only when a server of another version could not read or write the file. New
#: tables that older servers can ignore (``idempotency_keys``) are added by ``_SCHEMA``'s
#: CREATE IF NOT EXISTS when a store is opened: existing stores keep working both ways.
#: 2: a match's row holds its head, its timeline is in ``timeline`` (1: the row held it all;
#: such a store is carried over when opened, and an older server then refuses it).
SCHEMA_VERSION = 2
APPLICATION_ID = 0x546C6E31  # "Tln1": tells our files from any other SQLite database
#: Trim the log every this many appends rather than on every one.
TRIM_EVERY = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS matches (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS timeline (
    match_id TEXT NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (match_id, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, match_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, body TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (scope, key));
CREATE INDEX IF NOT EXISTS idempotency_keys_seq ON idempotency_keys (seq);
"""


class StoreError(Exception):
    """The store cannot be used: the message says which file and why."""


class SqliteStore:
    def __init__(self, path: str | Path, *, keep: int = DEFAULTS.history) -> None:
        self.path = str(path)
        self.keep = keep
        self._appends = 0
        #: match id -> events of its timeline stored (written by the store's thread alone)
        self._stored: dict[str, int] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        try:
            self._db = self._executor.submit(self._open).result()
        except sqlite3.Error as exc:
            self._executor.shutdown(wait=False)
            raise StoreError(self._explain(exc)) from None
        except StoreError:
            self._executor.shutdown(wait=False)
            raise

    # --- opening --------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            parent = Path(self.path).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create {parent}: {exc.strerror}") from None
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0.5)
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            has_tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if has_tables and app_id != APPLICATION_ID:
                raise StoreError(f"{self.path}: not a Touchline store (another SQLite database)")
            if app_id == APPLICATION_ID and version not in (1, SCHEMA_VERSION):
                raise StoreError(
                    f"{self.path}: written by an incompatible version of Touchline "
                    f"(store version {version}, this server reads {SCHEMA_VERSION}); "
                    "use another --store path or remove the file"
                )
            # One server per store: the exclusive lock is taken by the first write below and
            # held until the process ends (the OS drops it even after kill -9).
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("BEGIN IMMEDIATE")  # fails here, clearly, on a read-only file
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            if app_id == APPLICATION_ID and version == 1:
                self._carry_over(db)
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('epoch', ?)", (new_epoch(),))
            db.execute("COMMIT")
            # A quick check catches a damaged file now rather than in the middle of a match.
            problem = db.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise StoreError(f"{self.path}: the store is damaged ({problem})")
        except BaseException:
            db.close()
            raise
        return db

    def _carry_over(self, db: sqlite3.Connection) -> None:
        """Schema 1 to 2, in the opening transaction: each match row's timeline moves to
        ``timeline``, the row keeps the head."""
        rows = db.execute("SELECT id, data FROM matches").fetchall()
        for match_id, data in rows:
            match = self._read(match_id, data)
            events = [e.model_dump_json() for e in match.events]
            db.execute(
                "UPDATE matches SET data = ? WHERE id = ?",
                (match.model_dump_json(exclude={"events"}), match_id),
            )
            db.executemany(
                "INSERT INTO timeline VALUES (?, ?, ?)",
                [(match_id, n, e) for n, e in enumerate(events)],
            )

    def _read(self, match_id: str, data: str) -> Match:
        try:
            return Match.model_validate_json(data)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise StoreError(
                f"{self.path}: match {match_id!r} cannot be read ({where}: {problem['msg']}); "
                "the store is damaged: use another --store path or remove the file"
            ) from None

    def _explain(self, exc: sqlite3.Error) -> str:
        text = str(exc)
        if "locked" in text:
            return f"{self.path}: in use by another touchline-server; give this one --store PATH"
        if "readonly" in text or "unable to open" in text:
            return f"{self.path}: cannot write the store here ({text}); use --store PATH"
        if "not a database" in text or "malformed" in text:
            return f"{self.path}: not a Touchline store, or a damaged one ({text})"
        return f"{self.path}: {text}"

    # --- the Store interface -----------------------------------------------------------------
    def load(self, keep: int) -> Loaded:
        db = self._db
        epoch = db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        row = db.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
        last_seq = int(row[0]) if row else 0
        timelines: dict[str, list[str]] = {}
        for match_id, data in db.execute("SELECT match_id, data FROM timeline ORDER BY 1, n"):
            timelines.setdefault(match_id, []).append(data)
        matches = []
        for match_id, head in db.execute("SELECT id, data FROM matches ORDER BY position"):
            events = timelines.get(match_id, [])
            # The head is the match's JSON without its events: they go back in as its last key.
            whole = "".join((head[:-1], ',"events":[', ",".join(events), "]}"))
            matches.append(self._read(match_id, whole))
            self._stored[match_id] = len(events)
        recent = [
            StoredEvent(*row)
            for row in db.execute(
                "SELECT seq, kind, match_id, data FROM events WHERE seq > ? ORDER BY seq",
                (last_seq - keep,),
            )
        ]
        replies = [
            StoredReply(*row)
            for row in db.execute(
                "SELECT scope, key, fingerprint, status, body, seq FROM idempotency_keys "
                "WHERE seq > ? ORDER BY seq",
                (last_seq - keep,),
            )
        ]
        return Loaded(epoch, last_seq, matches, recent, replies)

    def progress(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (f"progress:{key}",))
        found = row.fetchone()
        return found[0] if found else None

    async def append(
        self,
        event: StoredEvent,
        match: Match,
        progress: tuple[str, str] | None = None,
        reply: StoredReply | None = None,
    ) -> None:
        # A timeline only grows, so what is new is what is past the events stored; one
        # shorter than that is a match added again (a replay's new match day): written anew.
        head = match.model_dump_json(exclude={"events"})
        stored = self._stored.get(match.id, 0)
        start = stored if len(match.events) >= stored else 0
        new = [e.model_dump_json() for e in match.events[start:]]
        await asyncio.get_running_loop().run_in_executor(
            self._executor, self._write, event, match.id, head, start, new, progress, reply
        )

    def _write(
        self,
        event: StoredEvent,
        match_id: str,
        head: str,
        start: int,
        new: list[str],
        progress: tuple[str, str] | None,
        reply: StoredReply | None,
    ) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?)",
                (event.seq, event.kind, event.match_id, event.data),
            )
            db.execute(
                "INSERT INTO matches VALUES (?, (SELECT count(*) FROM matches), ?) "
                "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                (match_id, head),
            )
            if start == 0:
                db.execute("DELETE FROM timeline WHERE match_id = ?", (match_id,))
            db.executemany(
                "INSERT INTO timeline VALUES (?, ?, ?)",
                [(match_id, start + i, data) for i, data in enumerate(new)],
            )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('last_seq', ?)", (str(event.seq),))
            if progress is not None:
                key, value = progress
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"progress:{key}", value))
            if reply is not None:
                # REPLACE: a key forgotten with its event (trimmed lazily here) may come back.
                db.execute(
                    "INSERT OR REPLACE INTO idempotency_keys VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        reply.scope,
                        reply.key,
                        reply.fingerprint,
                        reply.status,
                        reply.body,
                        reply.seq,
                    ),
                )
            self._appends += 1
            if self._appends % TRIM_EVERY == 0:
                db.execute("DELETE FROM events WHERE seq <= ?", (event.seq - self.keep,))
                db.execute("DELETE FROM idempotency_keys WHERE seq <= ?", (event.seq - self.keep,))
            db.execute("COMMIT")
        except BaseException as exc:
            # SQLite may have rolled back already (a full disk does): rolling back again
            # would fail with "cannot rollback" and hide the reason.
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                code = getattr(exc, "sqlite_errorname", None)  # Python 3.11+
                raise StoreUnavailable(f"{self.path}: {exc}{f' ({code})' if code else ''}") from exc
            raise
        self._stored[match_id] = start + len(new)

    async def close(self) -> None:
        def _close() -> None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

        await asyncio.get_running_loop().run_in_executor(self._executor, _close)
        self._executor.shutdown(wait=True)
