"""Small file helpers shared by every stage: atomic writes and fingerprints.

Outputs are written to a temporary file in the destination folder and renamed
into place, so an interrupted run never leaves a half-written file behind.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Iterator

__all__ = ["atomic_write", "write_text", "write_json", "write_csv", "sha256_file"]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **kw: Any) -> Iterator[IO]:
    """Open a temporary sibling of ``path``; rename it over ``path`` on success.

    On any exception (including KeyboardInterrupt) the temporary file is removed
    and ``path`` is left exactly as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        kw.setdefault("encoding", "utf-8")
        kw.setdefault("newline", "")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600 whatever the umask; give it the mode an
        # ordinary open() would (0666 minus the umask) so colleagues can read it.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere: set and restore (the only portable way)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    with atomic_write(path) as fh:
        fh.write(text)
    return Path(path)


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as pretty, key-sorted JSON atomically (stable bytes)."""
    return write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_csv(path: str | os.PathLike, frame: Any, **kw: Any) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically, without the index.

    Floats are written with a fixed 10 significant digits so the same numbers
    give the same bytes on every machine.
    """
    kw.setdefault("index", False)
    kw.setdefault("float_format", "%.10g")
    kw.setdefault("lineterminator", "\n")
    with atomic_write(path) as fh:
        frame.to_csv(fh, **kw)
    return Path(path)


def write_csv_frames(path: str | os.PathLike, frames: Any, **kw: Any) -> Path:
    """:func:`write_csv` of the concatenation of ``frames`` (an iterable of DataFrames
    with the same columns), written a frame at a time: the same bytes when every
    frame's columns have the dtypes the concatenation would have."""
    kw.setdefault("index", False)
    kw.setdefault("float_format", "%.10g")
    kw.setdefault("lineterminator", "\n")
    with atomic_write(path) as fh:
        first = True
        for frame in frames:
            if first or len(frame):
                frame.to_csv(fh, header=first, **kw)
                first = False
    return Path(path)


def sha256_file(path: str | os.PathLike, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
