"""Output-path safety shared by the CLI and the pipeline functions.

An output must never be, or be inside, one of the inputs (the next read would
count outputs as documents, or the input would be overwritten by its own
output), must be the right kind of path (a folder where a folder is expected),
and must be writable; all of this is checked before any computing.
"""
from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Iterable, Iterator

from civictext.errors import ParameterError

__all__ = ["check_output", "output_folder", "output_file"]

log = logging.getLogger(__name__)


def _resolve(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare it as written
        return p.absolute()


def _existing_ancestor(p: Path) -> Path:
    for q in (p, *p.parents):
        if q.exists():
            return q
    return Path(".")


def check_output(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None], *,
                 where: str, kind: str = "folder", name: str = "out") -> Path:
    """Refuse an output that would overwrite or sit inside an input.

    Parameters
    ----------
    out : path
        The output file or folder.
    inputs : paths
        Input files and folders (None entries are ignored).
    where : str
        The caller, for messages (``"civictext ingest"``, ``"run_all"``).
    kind : {"folder", "file"}
        What ``out`` must be.
    name : str
        The parameter's name in messages (``"--out"``, ``"out"``).

    Raises
    ------
    ParameterError
        ``out`` is an input, is inside an input folder, holds an input (a
        folder output), is the wrong kind of path, or cannot be written.
    """
    pre = f"{where}: " if where else ""
    o = Path(out)
    if not str(out):
        raise ParameterError(f"{pre}{name} is empty; give an output {kind}")
    ro = _resolve(o)
    for inp in inputs:
        if inp is None or not str(inp):
            continue
        ri = _resolve(Path(inp))
        if ro == ri:
            raise ParameterError(f"{pre}{name}={str(out)!r} is the input {str(inp)!r}; "
                                 "writing it would overwrite the input; choose another "
                                 f"output {kind}")
        if ri.is_dir() and ri in ro.parents:
            raise ParameterError(f"{pre}{name}={str(out)!r} is inside the input folder "
                                 f"{str(inp)!r}; the next read would count the outputs as "
                                 f"documents and the input is read-only; choose an output "
                                 f"{kind} outside it (e.g. outputs/)")
        if kind == "folder" and ro in ri.parents:
            raise ParameterError(f"{pre}the input {str(inp)!r} is inside the output folder "
                                 f"{str(out)!r}; outputs could overwrite it or be read as "
                                 "input next time; choose an output folder that does not hold "
                                 "the input")
    if kind == "folder" and o.exists() and not o.is_dir():
        raise ParameterError(f"{pre}{name}={str(out)!r} exists and is not a folder; give a "
                             "folder (it is created if needed)")
    if kind == "file" and o.is_dir():
        raise ParameterError(f"{pre}{name}={str(out)!r} is a folder; give a file name such "
                             f"as {str(o / 'out.csv')!r}")
    base = _existing_ancestor(o if kind == "folder" else o.parent)
    if not base.is_dir():
        raise ParameterError(f"{pre}{name}={str(out)!r} cannot be created: {str(base)!r} "
                             "is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise ParameterError(f"{pre}cannot write to {name}={str(out)!r}: {str(base)!r} is "
                             "not writable; choose a folder you can write to")
    return o


_LOCK_FILE = ".civictext.lock"
_LISTING_FILE = ".civictext-outputs.json"
_TMP = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.tmp$")  # atomic_write's temporary files


@contextlib.contextmanager
def output_folder(out: str | os.PathLike, *, where: str | None,
                  supersede: bool = True, command: str = "") -> Iterator[Path]:
    """Hold an output folder for one command: locked, cleaned, superseded.

    * **Lock**: ``out/.civictext.lock`` is held (``flock``) while the command
      runs; a second command into the same folder fails at once with a
      :class:`~civictext.errors.ParameterError` instead of mixing outputs. The
      lock dies with its process (a killed run leaves no stale lock).
    * **Clean**: hidden temporary files a killed run left behind
      (``.NAME.XXXXXX.tmp``) are removed.
    * **Supersede** (``supersede=True``): on success, files an earlier run of
      the same ``command`` wrote here (listed in ``out/.civictext-outputs.json``)
      that this one did not rewrite are removed, so old monthly figures do not
      sit next to new yearly ones; the command's listing is then replaced by
      this run's files. Files of other commands, and files civictext did not
      write, are never touched.
    """
    pre = f"{where}: " if where else ""
    folder = Path(out)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / _LOCK_FILE
    fd = _hold(lock_path, f"{pre}another civictext command is writing into {str(folder)!r} "
                          f"(it holds {_LOCK_FILE}); wait for it to finish or choose another "
                          "output folder")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        removed_tmp = _remove_temporaries(folder)
        if removed_tmp:
            log.info("removed %d temporary file(s) left by an interrupted run in %s",
                     removed_tmp, folder)
        start = time.time()
        try:
            yield folder
        except BaseException:
            if created:  # a command that failed before writing leaves no empty folder
                with contextlib.suppress(OSError):
                    lock_path.unlink()
                    folder.rmdir()
            raise
        if supersede:
            _supersede(folder, start, command)
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def output_file(out: str | os.PathLike, *, where: str | None) -> Iterator[Path]:
    """Hold a single output file for one command: locked and cleaned.

    ``.NAME.lock`` beside ``out`` is held (``flock``) while the command runs, so
    a second command writing the same file fails at once instead of racing it;
    hidden temporaries of ``out`` that a killed run left (``.NAME.XXXXXX.tmp``,
    atomic_write's) are removed. The lock file is removed when the command ends
    (nothing is left beside the output); a command started in the instant between
    that and a third one could then lock a different file, and the later of two
    complete atomic writes wins, which is no worse than running them one after
    the other.
    """
    pre = f"{where}: " if where else ""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    fd = _hold(lock_path, f"{pre}another civictext command is writing {str(path)!r} (it holds "
                          f"{lock_path.name}); wait for it to finish or choose another output "
                          "file")
    try:
        n = 0
        for p in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            if _TMP.match(p.name) and p.is_file():
                with contextlib.suppress(OSError):
                    p.unlink()
                    n += 1
        if n:
            log.info("removed %d temporary file(s) of %s left by an interrupted run", n, path)
        yield path
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()
        os.close(fd)


def _hold(lock_path: Path, busy: str) -> int:
    """Open and lock ``lock_path``; its descriptor (closing it releases the lock), or a
    ParameterError saying ``busy`` when another process holds it."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(fd)
    except BlockingIOError:
        os.close(fd)
        raise ParameterError(busy) from None
    return fd


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock, run unlocked
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _remove_temporaries(folder: Path) -> int:
    n = 0
    for p in folder.rglob(".*.tmp"):
        if _TMP.match(p.name) and p.is_file():
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n


def _supersede(folder: Path, start: float, command: str = "") -> list[str]:
    listing = folder / _LISTING_FILE
    try:
        runs = json.loads(listing.read_text(encoding="utf-8")).get("commands", {})
        runs = {str(k): list(v) for k, v in runs.items() if isinstance(v, list)}
    except (OSError, ValueError, AttributeError, TypeError):
        runs = {}
    old = runs.get(command, [])
    new = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                 if p.is_file() and not p.name.startswith(".")
                 and p.stat().st_mtime >= start - 0.001)
    keep = set(new).union(*(set(v) for k, v in runs.items() if k != command))
    removed = []
    for rel in old:
        p = folder / str(rel)
        if rel not in keep and ".." not in Path(str(rel)).parts and p.is_file():
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(rel)
    for rel in removed:  # folders the removal emptied
        for parent in (folder / rel).parents:
            if parent == folder or folder not in parent.parents:
                break
            with contextlib.suppress(OSError):
                parent.rmdir()
    if removed:
        log.warning("removed %d output(s) of an earlier run in %s that this run did not "
                    "write: %s", len(removed), folder, ", ".join(removed[:5])
                    + (" ..." if len(removed) > 5 else ""))
    from civictext._io import write_json

    runs[command] = new
    write_json(listing, {"commands": runs, "removed_from_earlier_run": removed})
    return removed
