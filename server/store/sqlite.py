"""The durable store: SQLite in WAL mode, the embedded default.

Every event is committed (and fsynced: ``synchronous=FULL``) before the broker streams it or
answers 201, so what a client or scorer has seen survives a crash of the process (``kill -9``)
and a power loss on a disk that honours fsync. ``NORMAL`` would be much cheaper per commit
(docs/performance.md) but, in WAL mode, can lose the last commits on power loss.

Writes run on one dedicated thread, so an fsync never stalls the event loop that streams.
The epoch is created with the file and kept, so ids survive restarts and clients resume
exactly. The event log is trimmed to the newest ``keep`` events; older ones live on only in
the match state (each match row holds its whole timeline). The answers to keyed publishes
(``Idempotency-Key``) are written with their events and trimmed with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from server.config import DEFAULTS
from server.store.base import Loaded, StoredEvent, StoredReply, new_epoch
from server.wire import Match

#: Changes only when a server of another version could not read or write the file. New
#: tables that older servers can ignore (``idempotency_keys``) are added by ``_SCHEMA``'s
#: CREATE IF NOT EXISTS when a store is opened: existing stores keep working both ways.
SCHEMA_VERSION = 1
APPLICATION_ID = 0x546C6E31  # "Tln1": tells our files from any other SQLite database
#: Trim the log every this many appends rather than on every one.
TRIM_EVERY = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS matches (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
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
            if app_id == APPLICATION_ID and version != SCHEMA_VERSION:
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
        matches = [
            Match.model_validate_json(data)
            for (data,) in db.execute("SELECT data FROM matches ORDER BY position")
        ]
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
        data = match.model_dump_json()
        await asyncio.get_running_loop().run_in_executor(
            self._executor, self._write, event, match.id, data, progress, reply
        )

    def _write(
        self,
        event: StoredEvent,
        match_id: str,
        data: str,
        progress: tuple[str, str] | None,
        reply: StoredReply | None,
    ) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?)",
                (event.seq, event.kind, event.match_id, event.data),
            )
            db.execute(
                "INSERT INTO matches VALUES (?, (SELECT count(*) FROM matches), ?) "
                "ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                (match_id, data),
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
        except BaseException:
            db.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        def _close() -> None:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

        await asyncio.get_running_loop().run_in_executor(self._executor, _close)
        self._executor.shutdown(wait=True)
