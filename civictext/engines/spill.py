"""The partitions' bulky columns on disk, so the driver of a run holds only what later
stages read.

Once a partition is read, scored and its signatures taken, the local engine moves to a
file in a temporary folder, per table (:data:`SPILLED`):

- articles: the text-heavy columns (texts, given tokens, title, lead and the other page
  parts, url, date evidence);
- scores: the counts behind each verdict (hits, token and sentence counts, score);
- evidence: where each hit is (matched text, offsets, sentence, flags).

The driver keeps the rest: ids, kind, source, dates, category and path of every
article; ``present``, ``mentioned``, ``per_1k`` and the theme model's columns of every
score; ``doc_id, theme, term`` of every hit: what near-duplicates, topics, trends,
figures and the manifest read. The columns come back when something needs them, a
partition or a set of rows at a time: the texts of candidate near-duplicate pairs, the
topic model's documents, ``articles.csv``, ``scores.csv`` and ``evidence.csv`` (written
partition by partition), ``RunResult.articles`` / ``scores`` / ``evidence`` (whole
tables, made when asked for).

The files are written and read by this process only (a pickle of the partition's
columns, their dtypes kept; nothing from outside is unpickled), in ``tempfile``'s
folder (``TMPDIR``), and removed when the run's result is garbage-collected or
:meth:`Spill.close` is called.
"""
from __future__ import annotations

import pickle
import tempfile
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = ["SPILLED", "SPILLED_COLUMNS", "Spill"]

#: The articles table's columns kept on disk by a spilling run.
SPILLED_COLUMNS = ("url", "title", "kicker", "lead", "headings", "captions", "byline", "text",
                   "date_evidence", "tokens_given")
#: Per table, the columns kept on disk.
SPILLED: dict[str, tuple[str, ...]] = {
    "articles": SPILLED_COLUMNS,
    "scores": ("hits", "folded_hits", "n_tokens", "score", "headline_hit", "sentences_hit",
               "n_sentences"),
    "evidence": ("matched", "start", "end", "sentence", "folded", "weak"),
}


class Spill:
    """The spilled columns of a run's partitions, per table, in plan order.

    ``put(frame, table)`` writes a partition's spilled columns of ``table`` and returns
    the frame without them; a table's partitions are numbered in the order they are put,
    which is the order of the combined table (the local engine runs them in plan order).
    """

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="civictext-spill-")
        self._sizes: dict[str, list[int]] = {}
        self._columns: dict[str, list[str]] = {}
        self._order: dict[str, list[str]] = {}
        self._last: tuple[str, int, pd.DataFrame] | None = None

    @property
    def path(self) -> Path:
        return Path(self._dir.name)

    @property
    def sizes(self) -> list[int]:
        """Rows of each partition of the articles table."""
        return self._sizes.get("articles", [])

    @property
    def columns(self) -> list[str]:
        """The articles table's columns on disk."""
        return self._columns.get("articles", [])

    def spilled(self, table: str) -> list[str]:
        """The columns of ``table`` on disk."""
        return self._columns.get(table, [])

    def order(self, table: str) -> list[str]:
        """The columns of ``table`` as its partitions had them."""
        return self._order.get(table, [])

    def put(self, frame: pd.DataFrame, table: str = "articles") -> pd.DataFrame:
        """Write ``frame``'s spilled columns of ``table`` to disk; return the others."""
        cols = [c for c in frame.columns if c in SPILLED[table]]
        sizes = self._sizes.setdefault(table, [])
        if len(frame.columns) and table not in self._order:
            self._order[table] = list(frame.columns)
            self._columns[table] = cols
        k = len(sizes)
        with open(self._file(table, k), "wb") as fh:
            pickle.dump(frame[cols].reset_index(drop=True), fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        sizes.append(len(frame))
        return frame.drop(columns=cols)

    def _file(self, table: str, k: int) -> Path:
        return self.path / f"{table}-{k:05d}.pkl"

    def _load(self, k: int, table: str = "articles") -> pd.DataFrame:
        """Partition ``k``'s spilled columns (the last one loaded is kept, so reading
        rows in order loads each partition once)."""
        if self._last is not None and self._last[:2] == (table, k):
            return self._last[2]
        self._last = None  # one partition in memory at a time
        with open(self._file(table, k), "rb") as fh:
            frame = pickle.load(fh)
        self._last = (table, k, frame)
        return frame

    def offsets(self, table: str = "articles") -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self._sizes.get(table, []), dtype=np.int64)))

    def rows(self, positions: Any, columns: Sequence[str] | None = None,
             table: str = "articles") -> pd.DataFrame:
        """The spilled ``columns`` (default: all) of the rows at ``positions`` of the
        combined ``table`` (in the order given), index from 0; each partition is loaded
        once."""
        cols = list(self.spilled(table) if columns is None else columns)
        pos = np.asarray(positions, dtype=np.int64).ravel()
        offsets = self.offsets(table)
        part = np.searchsorted(offsets, pos, side="right") - 1
        pieces, order = [], []
        for k in np.unique(part):
            at = np.flatnonzero(part == k)
            pieces.append(self._load(int(k), table)[cols].iloc[pos[at] - offsets[k]])
            order.append(at)
        if not pieces:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        out = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
        out = out.reset_index(drop=True)
        if len(pieces) > 1:  # back to the order asked for
            out = out.iloc[np.argsort(np.concatenate(order), kind="stable")]
            out = out.reset_index(drop=True)
        return out

    def frames(self, slim: pd.DataFrame, order: Sequence[str] | None = None,
               table: str = "articles") -> Iterator[pd.DataFrame]:
        """The whole ``table`` a partition at a time: ``slim`` (the combined table
        without the spilled columns) joined with each partition's spilled columns,
        columns in ``order`` (default: the partitions' own)."""
        offsets = self.offsets(table)
        order = list(self.order(table) if order is None else order)
        for k in range(len(offsets) - 1):
            a, b = int(offsets[k]), int(offsets[k + 1])
            if a == b and k:
                continue
            part = slim.iloc[a:b].reset_index(drop=True)
            data = self._load(k, table)
            for c in self.spilled(table):
                part[c] = data[c].array if len(data.columns) else pd.Series(dtype=object)
            yield part[[c for c in order if c in part.columns]]

    def full(self, slim: pd.DataFrame, order: Sequence[str] | None = None,
             table: str = "articles") -> pd.DataFrame:
        """The whole ``table`` in memory (:meth:`frames` concatenated), ``slim``'s
        ``attrs`` kept."""
        parts = list(self.frames(slim, order, table))
        if not parts:
            return slim
        out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        out.attrs = dict(slim.attrs)
        return out

    def close(self) -> None:
        self._last = None
        self._dir.cleanup()
