"""Progress bars (``tqdm.auto``: text in a terminal, a widget in JupyterLab), stage
timings, and the options a run passes down to stages that have no parameter
for them (worker processes for segmentation, progress bars).

Stages call :func:`bar` and :func:`stage`; ``figures.run_all`` wraps a run in
:func:`run_options`, so ``score_themes`` (which segments through
``count_tokens``) shows its bars and uses the run's worker count without new
parameters. Outside a run everything is silent and single-process, as before.
"""
from __future__ import annotations

import contextvars
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunOptions:
    """What a run asks of its stages: ``progress`` bars, ``n_jobs`` segmentation
    workers (an int >= 1), and the ``timings`` recorded so far."""

    progress: bool = False
    n_jobs: int = 1
    timings: list[dict[str, Any]] = field(default_factory=list)
    depth: int = 0


_CURRENT: contextvars.ContextVar[RunOptions | None] = contextvars.ContextVar(
    "civictext_run_options", default=None)


def current() -> RunOptions | None:
    """The options of the run in progress, or None outside a run."""
    return _CURRENT.get()


def resolve_jobs(n_jobs: int | None) -> int:
    """``n_jobs`` as a worker count: None -> the run's (default 1), -1 -> every core."""
    if n_jobs is None:
        opts = current()
        n_jobs = opts.n_jobs if opts is not None else 1
    if n_jobs == -1:
        return max(1, os.cpu_count() or 1)
    return n_jobs


@contextmanager
def run_options(*, progress: bool = False, n_jobs: int = 1) -> Iterator[RunOptions]:
    """Set the options of a run for the code inside the ``with`` block."""
    opts = RunOptions(progress=bool(progress), n_jobs=resolve_jobs(n_jobs))
    token = _CURRENT.set(opts)
    try:
        yield opts
    finally:
        _CURRENT.reset(token)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    ip = get() if callable(get) else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def showing(progress: bool | None = None) -> bool:
    """Whether bars are shown: asked for (or the run's choice), and somewhere to
    see them (a terminal on stderr, or a Jupyter kernel)."""
    if progress is None:
        opts = current()
        progress = opts.progress if opts is not None else False
    if not progress:
        return False
    err = sys.stderr
    return _in_notebook() or (err is not None and hasattr(err, "isatty") and err.isatty())


def bar(total: int | None, *, desc: str, unit: str = "doc", progress: bool | None = None,
        leave: bool = False) -> Any:
    """A ``tqdm.auto`` bar, disabled unless :func:`showing`."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not showing(progress), leave=leave,
                dynamic_ncols=True)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as a stage of the run in progress (nothing outside a run).

    Records wall and CPU seconds of this process (segmentation workers' CPU is
    not included: see their wall time); nested stages are recorded with their
    depth, after the stage that holds them is opened.
    """
    opts = current()
    if opts is None:
        yield
        return
    row = {"stage": name, "depth": opts.depth, "wall_s": 0.0, "cpu_s": 0.0}
    opts.timings.append(row)
    opts.depth += 1
    w0, c0 = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        if opts.depth == 1:  # a top-level stage of the run ends
            release_memory()
        row["wall_s"] = round(time.perf_counter() - w0, 3)
        row["cpu_s"] = round(time.process_time() - c0, 3)
        opts.depth -= 1


#: Whether :func:`release_memory` returns freed memory to the system
#: (``benchmarks/bench_memory.py stages --no-trim`` turns it off to measure it).
TRIM = True
_TRIM_FN: list[Any] = []


def release_memory() -> None:
    """Give the heap's free pages back to the system (glibc ``malloc_trim(0)``;
    nothing elsewhere), called when each top-level stage of a run ends.

    glibc keeps the pages of freed objects mapped (the topic stage's matrices
    leave hundreds of MB resident after they are freed, not live objects); the
    trim lowers the resident set the later stages start from and costs a few
    milliseconds (benchmarks/RESULTS.md, "Memory (session 7)").
    """
    if not TRIM:
        return
    if not _TRIM_FN:
        fn = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                fn = ctypes.CDLL("libc.so.6").malloc_trim
                fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
            except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
                fn = None
        _TRIM_FN.append(fn)
    if _TRIM_FN[0] is not None:
        _TRIM_FN[0](0)


def merge_repeated(timings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stage timings with the rows of a stage that ran more than once (once per
    partition of the local engine) summed into its first row, with ``runs``: how many
    times it ran; a stage is the same when its name and those of the stages holding
    it are."""
    out: list[dict[str, Any]] = []
    at: dict[tuple[str, ...], dict[str, Any]] = {}
    path: list[str] = []
    for r in timings:
        del path[r["depth"]:]
        path.append(r["stage"])
        key = tuple(path)
        if key in at:
            row = at[key]
            row["wall_s"] = round(row["wall_s"] + r["wall_s"], 3)
            row["cpu_s"] = round(row["cpu_s"] + r["cpu_s"], 3)
            row["runs"] = row.get("runs", 1) + 1
        else:
            at[key] = row = dict(r)
            out.append(row)
    return out


def timing_table(timings: list[dict[str, Any]]) -> list[str]:
    """The stage timings as aligned text lines (nested stages indented)."""
    if not timings:
        return []
    names = ["  " * r["depth"] + r["stage"] + (f" (x{r['runs']})" if r.get("runs") else "")
             for r in timings]
    width = max(len(n) for n in names + ["stage"])
    lines = [f"{'stage':<{width}}  {'wall s':>8}  {'CPU s':>8}"]
    for n, r in zip(names, timings):
        lines.append(f"{n:<{width}}  {r['wall_s']:>8.1f}  {r['cpu_s']:>8.1f}")
    return lines
