"""Output-path safety shared by the CLI and the pipeline functions.

An output must never be, or be inside, one of the inputs (the next read would
count outputs as documents, or the input would be overwritten by its own
output), must be the right kind of path (a folder where a folder is expected),
and must be writable; all of this is checked before any computing.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from civictext.errors import ParameterError

__all__ = ["check_output"]


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
