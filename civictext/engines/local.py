"""One per-partition function, two engines that schedule it.

A run reads its corpus through one :class:`~civictext.ingest.reader.ReadPlan` (the
files in reading order, the folder's ``manifest.csv`` entries, per-category
folders). The plan's files are cut into *partitions* of consecutive files, and
every partition goes through the same function, :func:`process_partition`::

    read (corpus.read_files) -> articles (ids unique in the partition)
      -> count tokens (tokenize.count_tokens) -> score (themes.score_themes)
      -> evidence (themes.theme_evidence)

:func:`combine` puts the partitions back together on the driver, in plan
order: the read report and the id renaming are done over the whole corpus
(``corpus.assemble_read``, the rule of ``read_corpus``) and every table's
``doc_id`` is mapped to the corpus-wide id. The result is the table set the
local engine made before partitions existed, whatever the partitioning.

Engines only schedule:

- :class:`LocalEngine` runs the partitions one after the other in this process
  (partitions of :data:`DEFAULT_PARTITION_BYTES` of input files by default); with more
  than one partition it moves each partition's text columns to disk once the partition
  is done (:mod:`civictext.engines.spill`), so the driver's memory grows with the
  corpus only by the columns later stages read;
- :class:`civictext.engines.dask.DaskEngine` submits them to a Dask cluster and
  gathers the results in plan order.

Everything after scoring (near-duplicates, the topic model, coverage, trends,
figures) runs on the driver from the combined tables
(:mod:`civictext.pipeline`).

Adding an engine: a class with ``map(plan, groups, spec) -> list[PartitionResult]``
(results in the order of ``groups``) and ``partitions(plan) -> groups``.
"""
from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np
import pandas as pd

from civictext import _progress
from civictext.ingest.dedup import (
    Clusters,
    DedupSpec,
    PairJaccard,
    Signatures,
    cluster,
    report_frame,
    signatures,
)
from civictext.ingest.reader import (
    FilesRead,
    ReadPlan,
    ReadResult,
    articles_frame,
    assemble_read,
    read_files,
    rename_duplicates,
)
from civictext.themes.scoring import DEFAULT_OPERATING_POINT, DEFAULT_PRESENCE

__all__ = ["ScoreSpec", "PartitionResult", "process_partition", "combine", "LocalEngine",
           "Engine", "near_duplicate_clusters", "near_duplicates_table", "cluster_signatures",
           "attach_clusters", "combined_coverage", "DEFAULT_PARTITION_BYTES", "spill_result"]

_KEYS = ("doc_id", "parent_id", "path", "kind")

#: Input bytes per partition of the local engine (uncompressed; files are never split):
#: a corpus of many files is read, scored and spilled to disk this much at a time (the
#: reading and scoring of 16 MB of short items peaks ~150 MB above what the driver holds).
DEFAULT_PARTITION_BYTES = 16 * 2**20


@dataclass(frozen=True)
class ScoreSpec:
    """What :func:`process_partition` computes after reading.

    ``presence``, ``theme_model`` and ``operating_point`` go to ``score_themes``
    (``theme_model``: None for the shipped model, a folder, or a ``ThemeModel``); ``lexicon`` to
    ``score_themes`` and ``theme_evidence`` (None: the bundled lexicons);
    ``n_jobs`` and ``cache`` to ``count_tokens`` (``n_jobs=None``: the run's
    ``--jobs``); ``dedup`` (None: no near-duplicate pass): the MinHash
    signatures of every partition are computed with the partition, and the
    engine clusters them corpus-wide (:func:`near_duplicate_clusters`).
    """

    presence: str = DEFAULT_PRESENCE
    theme_model: Any = None
    lexicon: Any = None
    n_jobs: int | None = None
    cache: bool = True
    dedup: DedupSpec | None = None
    operating_point: str = DEFAULT_OPERATING_POINT
    coverage: bool = False


@dataclass
class PartitionResult:
    """The tables of one partition, ids unique within the partition.

    ``read.rows`` holds only each row's original ``doc_id, parent_id, path,
    kind`` (what the corpus-wide renaming needs), not the text.
    ``signatures``: the partition's MinHash signatures (with ``ScoreSpec.dedup``);
    ``near``: this partition's rows of the corpus-wide near-duplicate clusters
    (by corpus position), set by the engine after every partition is done.
    """

    index: int
    read: FilesRead
    articles: pd.DataFrame
    scores: pd.DataFrame
    evidence: pd.DataFrame
    signatures: Signatures | None = None
    near: Clusters | None = None
    coverage: Any = None  # coverage_counts of the partition (ScoreSpec.coverage)
    #: the run's :class:`~civictext.engines.spill.Spill` when ``articles`` has had its
    #: text columns moved to disk (the local engine, more than one partition)
    spill: Any = None


def process_partition(plan: ReadPlan, files: Sequence[Path], spec: ScoreSpec, *,
                      index: int = 0, progress: bool = False,
                      limit: int | None = None) -> PartitionResult:
    """Read, tokenize/count, score and collect evidence for one partition.

    The one function both engines run. ``limit`` (default: the plan's) caps
    the rows read.
    """
    from civictext.text.segmentation import count_tokens, shared_compound_starts
    from civictext.themes.scoring import score_themes, theme_evidence

    with _progress.stage("reading"):
        part = read_files(plan, files, progress=progress, limit=limit)
        # what the corpus-wide renaming needs, then the rows renamed in place (no
        # copy of every row) and dropped as soon as the table is built
        keys = [{k: r[k] for k in _KEYS} for r in part.rows]
        rename_duplicates(part.rows)
        articles = articles_frame(part.rows)
        part.rows = keys
    with _progress.stage("themes"):
        if len(articles):
            with shared_compound_starts():  # one compound filter pass per text
                n_tokens = count_tokens(articles, n_jobs=spec.n_jobs, cache=spec.cache)
                scores = score_themes(articles, spec.lexicon, n_tokens=n_tokens,
                                      presence=spec.presence, model=spec.theme_model,
                                      operating_point=spec.operating_point)
            evidence = theme_evidence(articles, spec.lexicon)
        else:
            scores = evidence = pd.DataFrame()
    counts = None
    if spec.coverage:
        from civictext.themes.scoring import coverage_counts

        with _progress.stage("coverage (counts)"):
            counts = coverage_counts(articles, spec.lexicon)  # the evidence pass's hits
        from civictext.themes.scoring import release_last_pass

        release_last_pass()  # scores, evidence and coverage have made every use of them
    sigs = None
    if spec.dedup is not None:
        with _progress.stage("near-duplicates (signatures)"):
            sigs = signatures(articles["text"] if len(articles) else [], spec.dedup)
    return PartitionResult(index=index, read=part, articles=articles,
                           scores=scores.reset_index(drop=True),
                           evidence=evidence.reset_index(drop=True), signatures=sigs,
                           coverage=counts)


def spill_result(res: PartitionResult, spill: Any) -> PartitionResult:
    """Move a partition's bulky columns to ``spill`` (:mod:`civictext.engines.spill`),
    in plan order: what both engines do with each partition once it is on the driver."""
    res.articles = spill.put(res.articles)
    res.scores = spill.put(res.scores, "scores")
    res.evidence = spill.put(res.evidence, "evidence")
    res.spill = spill
    return res


def _offsets(blocks: Sequence[Signatures]) -> list[int]:
    out = [0]
    for b in blocks:
        out.append(out[-1] + b.n)
    return out


def _partition_of(offsets: Sequence[int], pos: int) -> int:
    return bisect.bisect_right(offsets, pos) - 1


def pair_jaccard(texts: Any, pairs: Sequence[tuple[int, int]], shingle: int,
                 other: Any = None) -> list[float]:
    """Exact Jaccard of the shingle sets of rows ``(a, b)`` of ``texts`` (``b`` of
    ``other`` when given): the check of one group of candidate pairs, run where
    the texts are."""
    from civictext.ingest.dedup import _jaccard, shingles

    other = texts if other is None else other
    left: dict[int, set[str]] = {}
    right: dict[int, set[str]] = left if other is texts else {}

    def get(memo: dict[int, set[str]], col: Any, r: int) -> set[str]:
        if r not in memo:
            t = col.iloc[r]
            memo[r] = shingles("" if pd.isna(t) else str(t), shingle)
        return memo[r]

    return [_jaccard(get(left, texts, a), get(right, other, b)) for a, b in pairs]


def group_pairs(offsets: Sequence[int], pairs: Sequence[tuple[int, int]]
                ) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """Corpus-position pairs grouped by (partition, partition): ``(k, row_a, row_b)``
    with ``k`` the pair's place in ``pairs``."""
    groups: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for k, (i, j) in enumerate(pairs):
        pa, pb = _partition_of(offsets, i), _partition_of(offsets, j)
        groups.setdefault((pa, pb), []).append((k, i - offsets[pa], j - offsets[pb]))
    return groups


def near_duplicate_clusters(results: Sequence[PartitionResult], spec: DedupSpec,
                            jaccard: PairJaccard | None = None, spill: Any = None) -> None:
    """Cluster the partitions' signatures corpus-wide; set every result's ``near``.

    ``results`` in plan order, each with its ``signatures``. ``jaccard``
    checks candidate pairs where the texts are (default: in this process, from
    the results' articles); the Dask engine passes one that runs on the
    workers, so only signatures and lengths come to the driver for this. ``spill``: the
    :class:`~civictext.engines.spill.Spill` holding the results' texts (the local
    engine's partitions once spilled).
    """
    blocks = [r.signatures for r in results]
    if any(b is None for b in blocks):
        return
    offsets = _offsets(blocks)  # type: ignore[arg-type]
    if jaccard is None:
        jaccard = _local_jaccard(results, offsets, int(spec.shingle), spill)
    attach_clusters(results, cluster_signatures(blocks, spec, jaccard))  # type: ignore[arg-type]


def cluster_signatures(blocks: Sequence[Signatures], spec: DedupSpec,
                       jaccard: PairJaccard) -> Clusters:
    """:func:`civictext.ingest.dedup.cluster` as the run's "near-duplicates" stage."""
    with _progress.stage("near-duplicates"):
        return cluster(blocks, spec, jaccard)


def attach_clusters(results: Sequence[PartitionResult], clusters: Clusters) -> None:
    """Give every result (plan order) its rows of the corpus-wide ``clusters``."""
    start = 0
    for r in results:
        n = len(r.articles)
        r.near = clusters.slice(start, start + n)
        start += n


def _local_jaccard(results: Sequence[PartitionResult], offsets: Sequence[int],
                   shingle: int, spill: Any = None) -> PairJaccard:
    """The pairs' exact Jaccard from the results' texts (in the spill when given), in
    this process."""
    def texts(groups: dict[tuple[int, int], list[tuple[int, int, int]]]
              ) -> dict[int, pd.Series]:
        if spill is None:
            return {p: results[p].articles["text"] for pair in groups for p in pair}
        wanted: dict[int, set[int]] = {}
        for (pa, pb), items in groups.items():
            wanted.setdefault(pa, set()).update(a for _, a, _ in items)
            wanted.setdefault(pb, set()).update(b for _, _, b in items)
        out = {}
        for p, rows in wanted.items():  # only the texts of rows in a candidate pair
            pos = np.fromiter(sorted(rows), dtype=np.int64, count=len(rows))
            col = np.full(offsets[p + 1] - offsets[p], None, dtype=object)
            col[pos] = spill.rows(pos + offsets[p], ["text"])["text"].to_numpy()
            out[p] = pd.Series(col)
        return out

    def jaccard(pairs: list[tuple[int, int]]) -> list[float]:
        out = [0.0] * len(pairs)
        groups = group_pairs(offsets, pairs)
        col = texts(groups)
        for (pa, pb), items in groups.items():
            ta, tb = col[pa], (col[pb] if pb != pa else None)
            vals = pair_jaccard(ta, [(a, b) for _, a, b in items], shingle, tb)
            for (k, _, _), v in zip(items, vals):
                out[k] = v
        return out

    return jaccard


def near_duplicates_table(results: Sequence[PartitionResult],
                          articles: pd.DataFrame) -> pd.DataFrame | None:
    """The corpus-wide ``near_duplicates`` table of combined results (ids: the
    corpus-wide ``articles["doc_id"]``); None when the engine clustered nothing."""
    results = sorted(results, key=lambda r: r.index)
    if not results or any(r.near is None for r in results):
        return None
    return report_frame(articles["doc_id"].tolist(),
                        Clusters.concat([r.near for r in results]))  # type: ignore[misc]


def combine(plan: ReadPlan, results: Sequence[PartitionResult]) -> tuple[ReadResult,
                                                                          pd.DataFrame,
                                                                          pd.DataFrame]:
    """The corpus-wide (read result, scores, evidence) of a plan's partitions.

    ``results`` in plan order. Ids repeated across partitions are renamed with
    ``read_corpus``'s rule (the first document keeps its id), in every table.
    """
    results = sorted(results, key=lambda r: r.index)
    local = [r.articles["doc_id"].tolist() for r in results]
    read = assemble_read(plan, [r.read for r in results], frame=False)  # renames r.read.rows
    arts, scores, evidence = [], [], []
    for r, ids in zip(results, local):
        final = [k["doc_id"] for k in r.read.rows]
        a, s, e = r.articles, r.scores, r.evidence
        if final != ids:
            mapping = dict(zip(ids, final))
            a = a.copy()
            a["doc_id"] = final
            a["parent_id"] = pd.Series([k["parent_id"] for k in r.read.rows],
                                       index=a.index, dtype=object)
            if len(s):
                s = s.assign(doc_id=s["doc_id"].map(mapping))
            if len(e):
                e = e.assign(doc_id=e["doc_id"].map(mapping))
        if len(a):
            arts.append(a)
            scores.append(s)
            evidence.append(e)
    articles = (pd.concat(arts, ignore_index=True) if len(arts) > 1 else
                arts[0].reset_index(drop=True) if arts else articles_frame([]))
    read = dataclasses.replace(read, articles=articles,
                               spill=results[0].spill if results else None)
    return (read, _concat(scores), _concat(evidence))


def combined_coverage(results: Sequence[PartitionResult]) -> Any:
    """The corpus-wide coverage counts: the sum of the partitions' (None when a
    partition has none: ``ScoreSpec.coverage`` was off)."""
    if not results or any(r.coverage is None for r in results):
        return None
    total = results[0].coverage.copy()
    for r in results[1:]:
        total += r.coverage
    return total


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


class Engine(Protocol):
    """What the pipeline needs of an engine."""

    def partitions(self, plan: ReadPlan) -> list[tuple[Path, ...]]: ...

    def map(self, plan: ReadPlan, groups: list[tuple[Path, ...]],
            spec: ScoreSpec) -> list[PartitionResult]: ...


@dataclass(frozen=True)
class LocalEngine:
    """Run the partitions one after the other in this process.

    ``partition_size``: bytes of input files per partition (files are never split;
    None: the whole corpus is one partition). Each partition is segmented with
    ``--jobs`` workers. ``spill``: move each partition's bulky columns (texts;
    counts behind scores; where hits are: :data:`~civictext.engines.spill.SPILLED`)
    to disk once it is done
    (None, the default: when there is more than one partition), so the driver holds
    only the columns later stages read; the outputs are the same bytes either way.
    """

    partition_size: int | None = DEFAULT_PARTITION_BYTES
    progress: bool = False
    spill: bool | None = None

    name = "local"

    def partitions(self, plan: ReadPlan) -> list[tuple[Path, ...]]:
        return plan.partitions(self.partition_size)

    def map(self, plan: ReadPlan, groups: list[tuple[Path, ...]],
            spec: ScoreSpec) -> list[PartitionResult]:
        from civictext.engines.spill import Spill

        out: list[PartitionResult] = []
        remaining = plan.options.limit
        spill = Spill() if (self.spill if self.spill is not None else len(groups) > 1) else None
        for i, files in enumerate(groups):
            if remaining is not None and remaining <= 0:
                break
            res = process_partition(plan, files, spec, index=i, limit=remaining,
                                    progress=self.progress)
            if remaining is not None:
                remaining -= len(res.articles)
            out.append(res if spill is None else spill_result(res, spill))
        if spec.dedup is not None:
            near_duplicate_clusters(out, spec.dedup, spill=spill)
        return out
