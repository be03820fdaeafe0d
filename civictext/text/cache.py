"""On-disk token cache: one packed SQLite store per cache folder.

Layout::

    <cache_dir>/tokens.sqlite3   (+ -wal, -shm while in use)
    table tokens_v1(key INTEGER UNIQUE, data BLOB)   (rows in insertion order)
    key = 64 bits of BLAKE2b(settings, tkey)

``settings`` hashes everything that changes a document's tokens (tokenizer
version, underthesea and underthesea_core versions, compound list, POS flag, source code), so a
change of settings never reads an old entry; ``tkey`` is the SHA-256 of the
document's text. ``data`` is the document's token arrays in a small binary
format (no pickle)::

    MAGIC (8 bytes, includes the format version)
    SHA-256 of the body (32 bytes)
    body: text sha256 (32) | n tokens, token bytes, pos bytes (3 x uint32)
          | sent_id, start, end (3 x int32[n]) | kind (int8[n])
          | tokens, "\\n"-joined UTF-8 | POS tags, "\\n"-joined UTF-8

An entry that is truncated, has another format version, fails its checksum or
belongs to another text is reported (log warning) and rebuilt, never used. A
store file that is not a database any more is moved aside
(``tokens.sqlite3.corrupt-<time>``) and a new one started.

The store runs in WAL mode with a busy timeout, so two processes (or a pool's
workers) can read and write at once: SQLite serialises the writers, readers
never wait. Writes are batched, one transaction per chunk of documents.
Before 0.4 the cache was one ``.tok`` file per document under
``<cache_dir>/tokens/``; that folder is no longer read (a one-time log message
says so; delete it to free the space).
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Bumped whenever the on-disk layout changes; old entries are then rebuilt.
FORMAT_VERSION = 1
_MAGIC = b"CTTOK" + bytes([0, 0, FORMAT_VERSION])
_HEAD = struct.Struct("<32sIII")


@dataclass(frozen=True)
class DocTokens:
    """Tokens of one document (arrays of equal length ``n``)."""

    sent_id: np.ndarray  # int32, shape (n,)
    start: np.ndarray  # int32, shape (n,)
    end: np.ndarray  # int32, shape (n,)
    kind: np.ndarray  # int8, shape (n,): 0 word, 1 number, 2 punct
    tokens: list[str]
    pos: list[str] | None = None

    def __len__(self) -> int:
        return len(self.tokens)


def text_key(text: str) -> bytes:
    """SHA-256 digest of a document's text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def encode(tkey: bytes, doc: DocTokens) -> bytes:
    tok = "\n".join(doc.tokens).encode("utf-8", "surrogatepass")
    pos = "\n".join(doc.pos).encode("utf-8") if doc.pos is not None else b""
    n = len(doc.tokens)
    flags_pos = len(pos) if doc.pos is not None else 0xFFFFFFFF
    body = b"".join([
        _HEAD.pack(tkey, n, len(tok), flags_pos),
        np.asarray(doc.sent_id, dtype="<i4").tobytes(),
        np.asarray(doc.start, dtype="<i4").tobytes(),
        np.asarray(doc.end, dtype="<i4").tobytes(),
        np.asarray(doc.kind, dtype="i1").tobytes(),
        tok, pos,
    ])
    return _MAGIC + hashlib.sha256(body).digest() + body


def decode(data: bytes, tkey: bytes) -> DocTokens:
    """Parse an entry; raise ``ValueError`` saying why when it cannot be used."""
    if data[:len(_MAGIC)] != _MAGIC:
        raise ValueError("wrong magic or format version")
    off = len(_MAGIC)
    digest, body = data[off:off + 32], memoryview(data)[off + 32:]
    if hashlib.sha256(body).digest() != digest:
        raise ValueError("checksum mismatch")
    stored, n, ntok, npos = _HEAD.unpack_from(body, 0)
    if stored != tkey:
        raise ValueError("entry belongs to another text")
    p = _HEAD.size
    arrays = []
    for dtype, size in (("<i4", 4), ("<i4", 4), ("<i4", 4), ("i1", 1)):
        arrays.append(np.frombuffer(body, dtype=dtype, count=n, offset=p))
        p += size * n
    tok = bytes(body[p:p + ntok]).decode("utf-8", "surrogatepass")
    p += ntok
    tokens = tok.split("\n") if n else []
    pos = None
    if npos != 0xFFFFFFFF:
        pos_s = bytes(body[p:p + npos]).decode("utf-8")
        p += npos
        pos = pos_s.split("\n") if n else []
    if p != len(body) or len(tokens) != n or (pos is not None and len(pos) != n):
        raise ValueError("inconsistent lengths")
    return DocTokens(*arrays, tokens=tokens, pos=pos)


DB_NAME = "tokens.sqlite3"
#: The table, named with the store's layout version: a store written by another
#: layout keeps its own table and is never misread.
_TABLE = "tokens_v1"
_BUSY_TIMEOUT_S = 120.0
_CONNECTIONS: dict[tuple[int, str], sqlite3.Connection] = {}
_OLD_LAYOUT_NOTED: set[str] = set()


def entry_id(settings_key: str, tkey: bytes) -> int:
    """The key of an entry: 64 bits of BLAKE2b over (settings, text key). The
    entry itself holds the full text key, checked on every read."""
    h = hashlib.blake2b(settings_key.encode() + b"\x00" + tkey, digest_size=8).digest()
    return int.from_bytes(h, "little", signed=True)


def db_path(root: Path) -> Path:
    return Path(root) / DB_NAME


def _connect(root: Path) -> sqlite3.Connection:
    """This process's connection to the store under ``root`` (created on first use)."""
    path = db_path(root)
    key = (os.getpid(), str(path))
    con = _CONNECTIONS.get(key)
    if con is not None:
        return con
    Path(root).mkdir(parents=True, exist_ok=True)
    old = Path(root) / "tokens"
    if str(old) not in _OLD_LAYOUT_NOTED and old.is_dir():
        _OLD_LAYOUT_NOTED.add(str(old))
        log.info("token cache: the old one-file-per-document cache in %s is no longer read; "
                 "delete that folder to free its space", old)
    try:
        con = _open(path)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("token cache: %s is not a usable database (%s); moved to %s and "
                    "starting a new one", path, exc, aside.name)
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(f"{path}{suffix}", f"{aside}{suffix}")
            except FileNotFoundError:
                pass
        con = _open(path)
    _CONNECTIONS[key] = con
    return con


def _open(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                          check_same_thread=False)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        # a rowid table filled in insertion order, with a unique index on the key:
        # rows keep up to ~4 KB in their page (WITHOUT ROWID keyed on (settings, tkey)
        # spilled anything over ~1 KB into a whole overflow page: 2.5x the data),
        # and pages stay full (random 64-bit row ids left them a third empty)
        con.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (key INTEGER NOT NULL UNIQUE, "
                    "data BLOB NOT NULL)")
        con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_TABLE} LIMIT 1)").fetchone()
    except BaseException:
        con.close()
        raise
    return con


def close_all() -> None:
    """Close this process's connections (tests; a new one opens on the next use)."""
    for key in [k for k in _CONNECTIONS if k[0] == os.getpid()]:
        _CONNECTIONS.pop(key).close()


_LOCK = threading.Lock()


def load(root: Path, settings_key: str, tkey: bytes) -> DocTokens | None:
    """The cached tokens, or None when absent; a bad entry is logged and ignored."""
    try:
        with _LOCK:
            row = _connect(root).execute(f"SELECT data FROM {_TABLE} WHERE key = ?",
                                         (entry_id(settings_key, tkey),)).fetchone()
    except sqlite3.Error as exc:
        log.warning("token cache: cannot read %s (%s); re-tokenizing", db_path(root), exc)
        return None
    if row is None:
        return None
    try:
        return decode(row[0], tkey)
    except (ValueError, struct.error) as exc:
        log.warning("token cache: entry %s in %s is unusable (%s); re-tokenizing and "
                    "rewriting it", tkey.hex()[:16], db_path(root), exc)
        return None


def store(root: Path, settings_key: str, tkey: bytes, doc: DocTokens) -> None:
    """Write one entry (see :func:`store_many`)."""
    store_many(root, settings_key, [(tkey, doc)])


def store_many(root: Path, settings_key: str, entries: list[tuple[bytes, DocTokens]]) -> None:
    """Write entries in one transaction; raise ``OSError`` when the store cannot be written."""
    if not entries:
        return
    rows = [(entry_id(settings_key, tkey), encode(tkey, doc)) for tkey, doc in entries]
    try:
        with _LOCK:
            con = _connect(root)
            con.execute("BEGIN IMMEDIATE")
            try:
                con.executemany(f"INSERT OR REPLACE INTO {_TABLE} (key, data) VALUES (?, ?)", rows)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    except sqlite3.Error as exc:
        raise OSError(f"cannot write the token cache {db_path(root)}: {exc}") from exc
