"""The partitions' text columns on disk, so the driver of a run holds only what later
stages read.

The local engine moves the text-heavy columns (:data:`SPILLED_COLUMNS`: the texts, the
given tokens, the title, lead and other page parts) of each partition to a file in a
temporary folder once the partition is read, scored and its signatures taken. The
driver's articles table keeps the rest (ids, kind, source, dates, category, path, ...),
which near-duplicates, trends, figures and the manifest read. The columns come back
when a stage needs them, a partition or a set of rows at a time: the texts of the
candidate near-duplicate pairs, the topic model's documents, ``articles.csv`` (written
partition by partition), ``RunResult.articles`` (the whole table, made when asked for).

The files are written and read by this process only (a pickle of the partition's
columns, their dtypes kept; nothing from outside is unpickled), in ``tempfile``'s folder (``TMPDIR``), and
removed when the run's result is garbage-collected or :meth:`Spill.close` is called.
"""
from __future__ import annotations

import pickle
import tempfile
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = ["SPILLED_COLUMNS", "Spill"]

#: The articles table's columns kept on disk by a spilling run (reader.COLUMNS order).
SPILLED_COLUMNS = ("url", "title", "kicker", "lead", "headings", "captions", "byline", "text",
                   "date_evidence", "tokens_given")


class Spill:
    """The spilled columns of a run's partitions, in plan order.

    ``put(frame)`` writes a partition's spilled columns and returns the frame without
    them; partitions are numbered in the order they are put, which is the order of the
    combined articles table (the local engine runs them in plan order).
    """

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="civictext-spill-")
        self.sizes: list[int] = []
        self.columns: list[str] = []
        self._last: tuple[int, pd.DataFrame] | None = None

    @property
    def path(self) -> Path:
        return Path(self._dir.name)

    def put(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Write ``frame``'s spilled columns to disk; return the other columns."""
        cols = [c for c in frame.columns if c in SPILLED_COLUMNS]
        if not self.columns:
            self.columns = cols
        k = len(self.sizes)
        with open(self.path / f"part-{k:05d}.pkl", "wb") as fh:
            pickle.dump(frame[cols].reset_index(drop=True), fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        self.sizes.append(len(frame))
        return frame.drop(columns=cols)

    def _load(self, k: int) -> pd.DataFrame:
        """Partition ``k``'s spilled columns (the last one loaded is kept, so reading
        rows in order loads each partition once)."""
        if self._last is not None and self._last[0] == k:
            return self._last[1]
        self._last = None  # one partition in memory at a time
        with open(self.path / f"part-{k:05d}.pkl", "rb") as fh:
            frame = pickle.load(fh)
        self._last = (k, frame)
        return frame

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.sizes, dtype=np.int64)))

    def partition(self, k: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Partition ``k``'s spilled ``columns`` (default: all), index from 0."""
        return self._load(k)[list(self.columns if columns is None else columns)]

    def rows(self, positions: Any, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The spilled ``columns`` of the rows at ``positions`` of the combined table
        (in the order given), index from 0; each partition is loaded once."""
        cols = list(self.columns if columns is None else columns)
        pos = np.asarray(positions, dtype=np.int64).ravel()
        offsets = self.offsets
        part = np.searchsorted(offsets, pos, side="right") - 1
        pieces, order = [], []
        for k in np.unique(part):
            at = np.flatnonzero(part == k)
            pieces.append(self._load(int(k))[cols].iloc[pos[at] - offsets[k]])
            order.append(at)
        if not pieces:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        out = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
        out = out.reset_index(drop=True)
        if len(pieces) > 1:  # back to the order asked for
            out = out.iloc[np.argsort(np.concatenate(order), kind="stable")]
            out = out.reset_index(drop=True)
        return out

    def frames(self, slim: pd.DataFrame, order: Sequence[str]) -> Iterator[pd.DataFrame]:
        """The whole articles table a partition at a time: ``slim`` (the combined table
        without the spilled columns) joined with each partition's spilled columns,
        columns in ``order``."""
        offsets = self.offsets
        for k in range(len(self.sizes)):
            a, b = int(offsets[k]), int(offsets[k + 1])
            part = slim.iloc[a:b].reset_index(drop=True)
            data = self._load(k)
            for c in self.columns:
                part[c] = data[c].array
            yield part[[c for c in order if c in part.columns]]

    def full(self, slim: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
        """The whole articles table in memory (:meth:`frames` concatenated)."""
        parts = list(self.frames(slim, order))
        if not parts:
            return slim
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def close(self) -> None:
        self._last = None
        self._dir.cleanup()
