"""The main job, as configuration in and tables out: ``run(config) -> RunResult``.

::

    config = RunConfig("corpus/")                     # frozen: what to compute
    result = run(config)                              # every table, in memory
    write_outputs(result, "outputs/")                 # CSVs, topics/, figures/, manifest

``civictext run`` is :func:`run_pipeline` (``run`` + ``write_outputs`` + stage
timings); ``civictext figures`` is ``write_outputs(..., tables=False)``.
Stages (docs/architecture.md)::

    plan (corpus.plan_corpus)
      -> partitions, each: read -> articles -> count -> score -> evidence   (engines)
      -> combine (corpus-wide ids and read report)
      -> near-duplicates -> topics -> coverage -> trends                     (driver)
      -> write_outputs: tables, figures (figures.py draws), manifest.json

The engine (:class:`~civictext.engines.local.LocalEngine`, the default, or
:class:`~civictext.engines.dask.DaskEngine`) only decides where the partitions
run; every output is the same bytes with either (only ``timings`` in the
manifest differ).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from civictext import _progress
from civictext._io import sha256_file, write_csv, write_json
from civictext.config import DEFAULT_CI_LEVEL, DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError, ParameterError
from civictext.ingest.reader import ReadOptions, ReadResult
from civictext.themes.scoring import DEFAULT_OPERATING_POINT, DEFAULT_PRESENCE
from civictext.trends.shares import DEFAULT_MIN_ARTICLES, DEFAULT_N_BOOT, TrendError

__all__ = ["RunConfig", "TopicSpec", "TrendSpec", "ReadOptions", "RunResult", "run",
           "write_outputs", "run_pipeline"]

log = logging.getLogger(__name__)

_FREQ_WORD = {"M": "month", "Q": "quarter", "Y": "year"}


# ------------------------------------------------------------ configuration
@dataclass(frozen=True)
class TopicSpec:
    """The topic model of a run: ``fit_topics(kept, method=method)``; ``enabled=False``
    skips it (the manifest says so)."""

    enabled: bool = True
    method: str = "seeded"


@dataclass(frozen=True)
class TrendSpec:
    """How trends and figures are counted.

    ``by``: column of the per-group trends and the small multiples (None: none);
    ``freq``: "M", "Q" or "Y" (None: ``choose_freq``); ``n_boot``, ``level``,
    ``min_articles``: as in ``theme_trends``; ``coded``/``pooled``: a coded
    sample for the corrected shares (``theme_trends(coded=...)``);
    ``cross_fit``: K folds: the theme model is fitted on ``coded`` K times and
    every document scored by the fit that did not see it
    (:func:`civictext.cross_fit_scores`), so the corrected shares are valid
    when the model's codes are the coded sample's (None: score with
    ``theme_model``).
    """

    by: str | None = "source"
    freq: str | None = None
    n_boot: int = DEFAULT_N_BOOT
    level: float = DEFAULT_CI_LEVEL
    min_articles: int = DEFAULT_MIN_ARTICLES
    coded: Any = None
    pooled: bool = False
    cross_fit: int | None = None


@dataclass(frozen=True)
class RunConfig:
    """Everything a run computes, in one frozen value (recorded in the manifest).

    ``corpus``: the corpus file or folder (never modified). ``read``: the
    reader options (:class:`~civictext.ingest.reader.ReadOptions`). ``presence`` and
    ``theme_model`` and ``operating_point``: as in ``score_themes`` (the
    point is recorded in the manifest's ``parameters.theme_model`` when it is
    not the default "f1"). ``dedup``: drop near-duplicates
    before topics, trends and figures. ``engine``: None (the local engine) or
    an engine object (``LocalEngine(partition_size=...)``,
    ``distributed.DaskEngine(...)``). ``n_jobs``: segmentation workers of the
    local engine (-1: every core). ``progress``: progress bars.
    """

    corpus: str | os.PathLike
    read: ReadOptions = field(default_factory=ReadOptions)
    presence: str = DEFAULT_PRESENCE
    theme_model: Any = None
    operating_point: str = DEFAULT_OPERATING_POINT
    dedup: bool = True
    topics: TopicSpec = field(default_factory=TopicSpec)
    trends: TrendSpec = field(default_factory=TrendSpec)
    random_state: int | None = DEFAULT_RANDOM_STATE
    engine: Any = None
    n_jobs: int = -1
    progress: bool = False

    def check(self, where: str = "run") -> None:
        """Refuse bad values before any reading (messages name the parameter)."""
        from civictext.ingest.reader import COLUMNS
        from civictext.themes.scoring import PRESENCE_RULES

        by = self.trends.by
        if by and by not in COLUMNS:
            raise TrendError(f"{where}: by={by!r} is not a column of the articles table; use "
                             f"one of {', '.join(COLUMNS)}")
        if self.presence not in PRESENCE_RULES:
            raise ParameterError(f"{where}: presence must be one of "
                                 f"{', '.join(map(repr, PRESENCE_RULES))}, got "
                                 f"{self.presence!r}")
        from civictext.themes.scoring import check_point

        check_point(self.operating_point, self.presence, self.theme_model, where)
        if self.operating_point != DEFAULT_OPERATING_POINT and self.trends.cross_fit is None:
            from civictext.themes.model import _resolve_model

            # a model saved before operating points: refused before any reading
            _resolve_model(self.theme_model).thresholds_at(self.operating_point, where=where)
        n = self.n_jobs
        if isinstance(n, bool) or not isinstance(n, int) or n == 0 or n < -1:
            raise CivictextError(f"{where}: n_jobs must be a positive int or -1 (every core), "
                                 f"got {n!r}")
        if self.trends.cross_fit is not None:
            from civictext.themes.scoring import MODEL_PRESENCE

            if self.trends.coded is None:
                raise ParameterError(f"{where}: cross_fit needs coded (the coded sample the "
                                     f"theme model is fitted on)")
            if self.theme_model is not None:
                raise ParameterError(f"{where}: cross_fit fits its own theme models on coded; "
                                     f"drop theme_model (or cross_fit)")
            if self.presence not in MODEL_PRESENCE:
                raise ParameterError(f"{where}: cross_fit gives the theme model's verdicts; it "
                                     f"needs presence 'model' or 'auto', not {self.presence!r}")
        if self.trends.freq is not None and self.trends.freq not in _FREQ_WORD:
            raise TrendError(f"{where}: freq must be one of M, Q, Y or None, got "
                             f"{self.trends.freq!r}")


# ------------------------------------------------------------------ results
@dataclass
class RunResult:
    """Every table of a run (docs/pipeline.md and docs/architecture.md).

    ``read``: the articles table and read report; ``scores``, ``evidence``
    (every document; ``score_table``, ``evidence_table``: what the run works on, the
    same tables without the columns a spilling local engine put on disk, ``spilled``
    naming them); ``near_duplicates`` (cluster report) and ``kept``,
    ``kept_scores``, ``kept_evidence`` (near-duplicates dropped: what topics,
    trends and figures count; ``kept`` is made from the articles table when first
    asked for: the run itself works on ``kept_table``, the kept rows with only the
    columns trends, figures and the manifest read, and ``kept_rows``, their positions
    in the articles table, from which the topic model reads their texts); ``model``
    (TopicModel or None, with
    ``topics_skipped`` saying why); ``coverage``; ``freq``; ``trends``,
    ``trends_by`` (None without ``by``), ``topic_trends`` (None without a
    model), ``volume``.
    """

    config: RunConfig
    read: ReadResult
    score_table: pd.DataFrame
    evidence_table: pd.DataFrame
    kept_table: pd.DataFrame
    kept_rows: Any  # positions of the kept rows in the articles table
    kept_scores: pd.DataFrame
    kept_evidence: pd.DataFrame
    near_duplicates: pd.DataFrame
    model: Any
    topics_skipped: str
    coverage: pd.DataFrame | None
    freq: str
    trends: pd.DataFrame
    trends_by: pd.DataFrame | None
    topic_trends: pd.DataFrame | None
    volume: pd.DataFrame
    theme_model: dict[str, Any] | None = None
    #: the tables of ``read.spill`` whose bulky columns are on disk ("scores", "evidence")
    spilled: tuple[str, ...] = ()

    @property
    def scores(self) -> pd.DataFrame:
        """The scores with every column (from the spill when the local engine put their
        counts on disk: a new table made when asked for; the run works on
        ``score_table``, which then has ``doc_id, theme, per_1k, mentioned, present`` and
        the theme model's columns)."""
        return self._full("scores", self.score_table)

    @property
    def evidence(self) -> pd.DataFrame:
        """The evidence with every column (from the spill, as :attr:`scores`;
        ``evidence_table`` then has ``doc_id, theme, term``)."""
        return self._full("evidence", self.evidence_table)

    def _full(self, table: str, slim: pd.DataFrame) -> pd.DataFrame:
        if table not in self.spilled:
            return slim
        return self.read.spill.full(slim, table=table)

    @property
    def articles(self) -> pd.DataFrame:
        """The articles table with every column (when the local engine spilled the
        text columns to disk, a new table made from the spill when asked for:
        ``read.articles`` is then the table without them)."""
        return self.read.full_articles()

    @property
    def kept(self) -> pd.DataFrame:
        """The kept articles with every column of the articles table (a copy, made
        when asked for)."""
        kept = _rows_with(self.read, self.kept_rows, list(self.read.articles.columns)
                          + list(_spilled(self.read)))
        kept.attrs = {}
        return kept

    @property
    def n_documents(self) -> int:
        return int(len(self.read.articles))

    @property
    def n_duplicates_dropped(self) -> int:
        return int(len(self.read.articles) - len(self.kept_table))


# --------------------------------------------------------------------- run
def _engine(config: RunConfig) -> Any:
    from civictext.engines.local import LocalEngine

    return config.engine if config.engine is not None else LocalEngine(progress=config.progress)


def run(config: RunConfig, *, coverage: bool = True) -> RunResult:
    """Compute every table of a run (nothing is written).

    The reader plan is split into partitions by the engine; each partition is
    read, counted, scored and searched for evidence by
    :func:`civictext.engines.local.process_partition`; the rest runs here, on the
    combined tables. ``coverage=False`` skips the lexicon coverage table
    (``civictext figures`` does not write it).
    """
    config.check()
    read, scores, evidence, clusters, counts = _read_and_score(config, coverage=coverage)
    articles = read.articles  # without the spilled text columns when read.spill is set
    spilled: tuple[str, ...] = ("scores", "evidence") if read.spill is not None else ()
    if config.trends.cross_fit is not None:  # new scores, from every column of the tables
        if "scores" in spilled:
            scores, spilled = read.spill.full(scores, table="scores"), ("evidence",)
        scores = _model_scores(config, read.full_articles(), scores)
    else:
        scores = _model_scores(config, articles, scores)
    log.info("read %d documents from %s", len(articles), config.corpus)
    if len(articles) == 0:  # not five empty figures and exit 0
        from civictext.errors import CorpusError

        raise CorpusError(f"no documents read from {config.corpus} ({len(read.files)} file(s): "
                          "none of a supported type, or all unreadable or empty; see "
                          "read_corpus); give a folder of .txt, .html, .jsonl, .json or .csv "
                          "files")
    with _progress.stage("near-duplicates"):
        kept_rows, clusters = _deduplicated(read.full_articles() if config.dedup and clusters
                                            is None else articles, config, clusters)
    kept = _kept_table(read, kept_rows, config)
    ids = set(kept["doc_id"])
    kept_scores = scores[scores["doc_id"].isin(ids)].reset_index(drop=True)
    kept_evidence = evidence[evidence["doc_id"].isin(ids)].reset_index(drop=True)
    model, skipped = _fit_topics(read, kept_rows, config)
    cov = None
    if coverage:
        from civictext.themes.lexicon import load_lexicons

        with _progress.stage("coverage"):
            if counts is not None:  # summed over the partitions (engines.combined_coverage)
                from civictext.themes.scoring import coverage_table

                cov = coverage_table(counts, load_lexicons())
            else:
                from civictext.themes.scoring import coverage_report

                cov = coverage_report(read.full_articles(), load_lexicons())
    from civictext.themes.scoring import release_last_pass

    release_last_pass()  # the matching pass's hits: the evidence table has them now
    trends = _trend_tables(config, kept, kept_scores, model, clusters)
    return RunResult(config=config, read=read, score_table=scores, evidence_table=evidence,
                     spilled=spilled,
                     kept_table=kept, kept_rows=kept_rows,
                     kept_scores=kept_scores, kept_evidence=kept_evidence,
                     near_duplicates=clusters, model=model, topics_skipped=skipped,
                     coverage=cov, theme_model=_theme_model_record(
                         config.theme_model, config.presence, scores,
                         operating_point=config.operating_point),
                     **trends)


def _dedup_spec(config: RunConfig) -> Any:
    """The near-duplicate parameters of a run (None without dedup): the first
    of each cluster is kept; MinHash seeded with the run's seed."""
    from civictext.ingest.dedup import DedupSpec

    if not config.dedup:
        return None
    seed = DEFAULT_RANDOM_STATE if config.random_state is None else config.random_state
    return DedupSpec(keep="first", random_state=int(seed))


def _read_and_score(config: RunConfig, *, coverage: bool = False
                    ) -> tuple[ReadResult, pd.DataFrame, pd.DataFrame, pd.DataFrame | None, Any]:
    """The engine's part: the reader plan, its partitions through
    ``engines.process_partition``, combined into corpus-wide tables; with
    dedup, the engine's corpus-wide near-duplicate table (None: not clustered
    by the engine); with ``coverage``, the lexicon coverage counts summed over
    the partitions (``themes.scoring.coverage_counts``; None: not counted)."""
    from civictext.engines.local import (
        ScoreSpec,
        combine,
        combined_coverage,
        near_duplicates_table,
    )
    from civictext.ingest.reader import plan_corpus

    engine = _engine(config)
    plan = plan_corpus(config.corpus, config.read)
    # cross-fitting scores with its own models (_model_scores): the partitions need none
    presence = "focus" if config.trends.cross_fit is not None else config.presence
    spec = ScoreSpec(presence=presence, theme_model=config.theme_model,
                     dedup=_dedup_spec(config),
                     operating_point=("f1" if config.trends.cross_fit is not None
                                      else config.operating_point),
                     coverage=coverage)
    results = engine.map(plan, engine.partitions(plan), spec)
    read, scores, evidence = combine(plan, results)
    clusters = near_duplicates_table(results, read.articles) if config.dedup else None
    counts = combined_coverage(sorted(results, key=lambda r: r.index)) if coverage else None
    return read, scores, evidence, clusters, counts


def _model_scores(config: RunConfig, articles: pd.DataFrame, scores: pd.DataFrame
                  ) -> pd.DataFrame:
    """The scores with what their measure owes to a theme model (``attrs["theme_model"]``,
    which ``theme_trends(coded=...)`` checks), or, with ``cross_fit``, the
    cross-fitted scores (:func:`civictext.cross_fit_scores`) instead."""
    from civictext.themes.scoring import MODEL_PRESENCE

    t = config.trends
    if t.cross_fit is not None:
        from civictext.themes.crossfit import cross_fit_scores

        with _progress.stage("theme model (cross-fitted)"):
            counted = scores.drop_duplicates("doc_id").set_index("doc_id")["n_tokens"]
            return cross_fit_scores(articles, t.coded, folds=t.cross_fit,
                                    random_state=config.random_state, n_tokens=counted,
                                    n_jobs=1 if config.n_jobs == -1 else config.n_jobs,
                                    operating_point=config.operating_point)
    if config.presence in MODEL_PRESENCE or config.theme_model is not None:
        from civictext.themes.crossfit import scores_provenance
        from civictext.themes.model import _resolve_model

        scores.attrs["theme_model"] = scores_provenance(_resolve_model(config.theme_model),
                                                        config.presence,
                                                        operating_point=config.operating_point)
    return scores


def _deduplicated(articles: pd.DataFrame, config: RunConfig,
                  clusters: pd.DataFrame | None) -> tuple[Any, pd.DataFrame]:
    """The positions in ``articles`` of the documents trends and figures count
    (near-duplicates dropped, the first kept), in order, and the cluster report
    (empty when ``dedup`` is False). ``clusters``: the engine's table (computed
    from the partitions' signatures, one row per article in order); None for an
    engine that does not cluster, then ``near_duplicates`` runs here on the texts."""
    import numpy as np

    spec = _dedup_spec(config)
    if spec is not None and len(articles) > 1:
        if clusters is None:
            from civictext.ingest.dedup import near_duplicates

            clusters = near_duplicates(articles, **spec.as_dict())
        return np.flatnonzero(clusters["is_representative"].to_numpy()), clusters
    return np.arange(len(articles)), pd.DataFrame()


#: The articles' columns the stages after near-duplicates read from the kept rows
#: (trends and volume: doc_id, published, date_precision, source and the ``by``
#: columns; the manifest: kind). The topic model reads the kept rows' texts from the
#: articles table by position (``fit_topics(rows=)``); corrected shares (a coded
#: sample) read ``text`` too (the training-record check), so it is kept then.
_KEPT_COLUMNS = ("doc_id", "kind", "source", "published", "date_precision")


def _spilled(read: ReadResult) -> tuple[str, ...]:
    """The articles table's columns that are on disk (none without a spill)."""
    return tuple(read.spill.columns) if read.spill is not None else ()


def _rows_with(read: ReadResult, rows: Any, columns: Any) -> pd.DataFrame:
    """The rows at positions ``rows`` of the articles table with ``columns`` (in the
    articles table's order; spilled ones read back from disk), index from 0."""
    from civictext.ingest.reader import COLUMNS

    wanted = set(columns)
    order = [c for c in COLUMNS if c in wanted] + [c for c in read.articles.columns
                                                    if c in wanted and c not in COLUMNS]
    here = [c for c in order if c in read.articles.columns]
    out = read.articles[here].iloc[rows].reset_index(drop=True)
    away = [c for c in order if c in _spilled(read)]
    if away:
        back = read.spill.rows(rows, away)
        for c in away:
            out[c] = back[c].to_numpy()
        out = out[[c for c in order if c in out.columns]]
    return out


class _SpilledTable:
    """The articles table of a spilled run as the topic model reads it
    (``fit_topics(rows=)``): ``columns``, ``len()``, ``take(positions, columns)``."""

    def __init__(self, read: ReadResult) -> None:
        self.read = read
        self.columns = [*read.articles.columns, *_spilled(read)]

    def __len__(self) -> int:
        return len(self.read.articles)

    def take(self, positions: Any, columns: Any) -> pd.DataFrame:
        return _rows_with(self.read, positions, columns)


def _kept_table(read: ReadResult, rows: Any, config: RunConfig) -> pd.DataFrame:
    """The kept rows of the articles table with only the columns later stages read (the
    text columns are not copied, ``text`` only with a coded sample), a fresh index,
    no ``attrs``."""
    by = config.trends.by
    wanted = set(_KEPT_COLUMNS) | set([by] if isinstance(by, str) else list(by or ()))
    if config.trends.coded is not None:
        wanted.add("text")
    kept = _rows_with(read, rows, wanted)
    kept.attrs = {}
    return kept


#: Above this many kept documents the topic model is fitted on a seeded random sample
#: of this many of them (sorted, so in corpus order) and every kept document gets its
#: topic weights from the fitted model (``TopicModel.transform``, a chunk at a time),
#: so the topic stage's memory stops growing with the corpus. The cap is above the
#: largest shared corpus a run has been compared on (153,825 news-feed items): their
#: outputs are unchanged.
TOPIC_FIT_CAP = 160_000
#: Kept documents given their topic weights at a time above the cap.
_TOPIC_CHUNK = 50_000
_TOPIC_COLUMNS = ("doc_id", "text", "segmented", "tokens_given")


def topic_fit_rows(rows: Any, random_state: int | None, cap: int | None = None) -> Any:
    """The positions (of ``rows``) the topic model is fitted on: all of them up to
    ``cap`` (default :data:`TOPIC_FIT_CAP`), else a seeded random sample of ``cap`` of
    them in their order."""
    import numpy as np

    cap = TOPIC_FIT_CAP if cap is None else cap
    rows = np.asarray(rows)
    if len(rows) <= cap:
        return rows
    seed = DEFAULT_RANDOM_STATE if random_state is None else random_state
    pick = np.random.default_rng(seed).choice(len(rows), size=cap, replace=False)
    return rows[np.sort(pick)]


def _fit_topics(read: ReadResult, rows: Any, config: RunConfig) -> tuple[Any, str]:
    """The topic model of the kept rows (positions ``rows`` of the articles table):
    fitted on :func:`topic_fit_rows` of them; above :data:`TOPIC_FIT_CAP` every kept
    row's weights come from ``model.transform`` (``model.params["fit_sample"]`` says
    so)."""
    if not config.topics.enabled:
        return None, "topics not asked for (TopicSpec(enabled=False))"
    try:
        from civictext.topics.model import fit_topics

        fit_rows = topic_fit_rows(rows, config.random_state)
        with _progress.stage("topics"), _progress.bar(None, desc="topics (seeded NMF)",
                                                      unit="fit"):
            # with a spill, the fitted rows' texts come back from disk a slice at a time
            table = read.articles if read.spill is None else _SpilledTable(read)
            model = fit_topics(table, rows=fit_rows, method=config.topics.method,
                               random_state=config.random_state)
            if len(fit_rows) < len(rows):
                _all_doc_topics(model, read, rows, fit_rows, config)
        return model, ""
    except CivictextError as exc:  # e.g. too few documents for a topic model
        log.warning("topic figure skipped: %s", exc)
        return None, str(exc)


def _all_doc_topics(model: Any, read: ReadResult, rows: Any, fit_rows: Any,
                    config: RunConfig) -> None:
    """Replace the sample's ``doc_topics`` with every kept row's: the fitted rows keep
    the fit's weights, the others get ``model.transform``'s, a fixed-size chunk of rows
    at a time (so the numbers do not depend on the partitions)."""
    import numpy as np

    k = model.n_topics
    theta = np.empty((len(rows), k))
    fitted = np.isin(rows, fit_rows)  # fit_rows: a sorted subset of rows
    theta[fitted] = model.doc_topics["weight"].to_numpy().reshape(-1, k)
    empty = set(model.doc_topics.attrs.get("empty_docs", []))
    others = np.flatnonzero(~fitted)
    with _progress.bar(len(others), desc="topics (weights of the other documents)",
                       unit="doc") as bar:
        for a in range(0, len(others), _TOPIC_CHUNK):
            at = others[a:a + _TOPIC_CHUNK]
            dt = model.transform(_rows_with(read, rows[at], _TOPIC_COLUMNS))
            theta[at] = dt["weight"].to_numpy().reshape(-1, k)
            empty.update(dt.attrs.get("empty_docs", []))
            bar.update(len(at))
    ids = read.articles["doc_id"].iloc[rows].astype(str).tolist()
    doc_topics = pd.DataFrame({"doc_id": np.repeat(np.asarray(ids, dtype=object), k),
                               "topic": np.tile(np.arange(k), len(rows)),
                               "weight": theta.ravel()})
    doc_topics["doc_id"] = doc_topics["doc_id"].astype(str)
    doc_topics.attrs["empty_docs"] = [d for d in ids if d in empty]
    model.doc_topics = doc_topics
    seed = DEFAULT_RANDOM_STATE if config.random_state is None else config.random_state
    model.params["fit_sample"] = {"n_fitted": int(len(fit_rows)), "n_documents": int(len(rows)),
                                  "cap": TOPIC_FIT_CAP, "random_state": int(seed)}


def _trend_tables(config: RunConfig, kept: pd.DataFrame, kept_scores: pd.DataFrame,
                  model: Any, clusters: pd.DataFrame | None = None) -> dict[str, Any]:
    """``theme_trends`` once per table (plain and by group), topic trends, volume."""
    from civictext.trends.shares import choose_freq, corpus_volume, theme_trends, topic_trends

    t = config.trends
    freq = t.freq or choose_freq(kept)
    kw = dict(freq=freq, level=t.level, n_boot=t.n_boot, min_articles=t.min_articles,
              random_state=config.random_state)
    ckw = (dict(coded=t.coded, pooled=t.pooled, near_duplicates=clusters)
           if t.coded is not None else {})
    if t.cross_fit is not None:  # the cross-fitted probability (benchmarks/RESULTS.md)
        ckw["measure"] = "p_model"
    with _progress.stage("trends (bootstrap)"), \
            _progress.bar(1 + bool(t.by) + (model is not None), desc="trends (bootstrap)",
                          unit="table") as bar:
        trends = theme_trends(kept_scores, kept, **kw, **ckw)
        bar.update(1)
        by_table = None
        if t.by:
            by_table = theme_trends(kept_scores, kept, by=t.by, **kw, **ckw)
            bar.update(1)
        topic = None
        if model is not None:
            topic = topic_trends(model.doc_topics, kept, **kw)
            bar.update(1)
    return {"freq": freq, "trends": trends, "trends_by": by_table, "topic_trends": topic,
            "volume": corpus_volume(kept, freq=freq)}


# ------------------------------------------------------------------ writing
def write_outputs(result: RunResult, out: str | os.PathLike, *, tables: bool = True,
                  figures_dir: str | None = "figures") -> list[str]:
    """Write a run's outputs under ``out``; return one line per output.

    ``tables=True`` (``civictext run``): ``articles.csv`` and the read report,
    ``scores.csv``, ``evidence.csv``, ``coverage.csv``, ``topics/``,
    ``near_duplicates.csv`` (with dedup), ``trends.csv``,
    ``trends_by_<by>.csv``, ``topic_trends.csv``, and the figures with their
    ``manifest.json`` in ``out/figures_dir``. ``tables=False`` (``civictext
    figures``): only the figures and manifest, directly in ``out`` (with
    ``figures_dir=None``).
    """
    from civictext.ingest.reader import write_read_report

    cfg = result.config
    out = Path(out)
    lines: list[str] = []
    if tables:
        n_docs = result.n_documents
        with _progress.stage("writing tables"):
            _write_articles(result.read, out / "articles.csv")
            report = write_read_report(result.read, out)
            lines.append(f"articles: {out / 'articles.csv'} ({n_docs} documents); "
                         f"read report: {report}")
            _write_table(result, "scores", out / "scores.csv")
            _write_table(result, "evidence", out / "evidence.csv")
            lines.append(f"themes: {out / 'scores.csv'}, evidence: {out / 'evidence.csv'} "
                         f"({len(result.evidence_table)} hits)")
            if result.coverage is not None:
                write_csv(out / "coverage.csv", result.coverage)
                lines.append(f"lexicon coverage: {out / 'coverage.csv'} "
                             f"({len(result.coverage)} terms)")
            if result.model is not None:
                tdir = write_topics(result.model, out / "topics")
                lines.append(f"topics: {tdir}/ (topics.csv, top_terms.csv, doc_topics.csv, "
                             "model/)")
            else:
                lines.append(f"topics: skipped ({result.topics_skipped})")
            if cfg.dedup:
                write_csv(out / "near_duplicates.csv", result.near_duplicates)
                lines.append(f"near-duplicates: {result.n_duplicates_dropped} of "
                             f"{n_docs} documents left out of topics, trends and "
                             f"figures (clusters: {out / 'near_duplicates.csv'})")
            written = [str(write_csv(out / "trends.csv", result.trends))]
            if result.trends_by is not None:
                written.append(str(write_csv(out / f"trends_by_{cfg.trends.by}.csv",
                                             result.trends_by)))
            if result.topic_trends is not None:
                written.append(str(write_csv(out / "topic_trends.csv", result.topic_trends)))
        from civictext.viz.plots import excluded_note

        lines.append(f"trends (per {_FREQ_WORD[result.freq]}): {', '.join(written)}; "
                     + excluded_note(result.trends.attrs, unit="documents"))
    fig_out = out / figures_dir if figures_dir else out
    manifest = write_figures(result, fig_out)
    lines.append(f"figures: {len(manifest['figures'])} in {fig_out}/ "
                 f"(PNG, SVG, CSV; captions.md; manifest.json)")
    return lines


def _write_articles(read: ReadResult, path: Path) -> None:
    """``articles.csv``: the table at once, or partition by partition from the spill
    (the same bytes)."""
    if read.spill is None:
        write_csv(path, read.articles)
    else:
        from civictext._io import write_csv_frames
        from civictext.ingest.reader import COLUMNS

        write_csv_frames(path, read.spill.frames(read.articles, COLUMNS))


def _write_table(result: RunResult, table: str, path: Path) -> None:
    """``scores.csv`` or ``evidence.csv``: at once, or partition by partition from the
    spill (the same bytes)."""
    slim = result.score_table if table == "scores" else result.evidence_table
    if table in result.spilled:
        from civictext._io import write_csv_frames

        write_csv_frames(path, result.read.spill.frames(slim, table=table))
    else:
        write_csv(path, slim)


def write_topics(model: Any, folder: Path) -> Path:
    """The one writer of a topic model's tables: ``topics.csv``, ``top_terms.csv``,
    ``doc_topics.csv`` and the saved model in ``model/``."""
    write_csv(folder / "topics.csv", model.topics)
    write_csv(folder / "top_terms.csv", model.top_terms)
    write_csv(folder / "doc_topics.csv", model.doc_topics)
    model.save(folder / "model")
    return folder


def write_figures(result: RunResult, out: Path) -> dict[str, Any]:
    """Draw every figure from the run's tables and write ``manifest.json``."""
    from civictext.trends.shares import theme_cooccurrence, theme_trends, top_terms_by_theme
    from civictext.viz import figures as F

    cfg, t = result.config, result.config.trends
    presence = cfg.presence
    with _progress.stage("figures"), _progress.bar(None, desc="figures (with bootstrap)",
                                                   unit="fig"):
        F._presence_words(presence)
        records = [F.corpus_volume_by_period(result.volume, out)]
        kw = dict(freq=result.freq, level=t.level, n_boot=t.n_boot,
                  min_articles=t.min_articles, random_state=cfg.random_state)
        if t.coded is None:
            plain, plain_by = result.trends, result.trends_by
        else:  # the run's tables carry corrected columns; the share figures show the plain ones
            plain = theme_trends(result.kept_scores, result.kept_table, **kw)
            plain_by = (theme_trends(result.kept_scores, result.kept_table, by=t.by, **kw)
                        if t.by else None)
        records.append(F.theme_share_by_period(plain, out, presence=presence))
        if t.coded is not None:
            records.append(F.corrected_theme_share_by_period(result.trends, out,
                                                             presence=presence))
        if plain_by is not None:
            records.append(F.theme_share_by_outlet(plain_by, out, presence=presence))
            if t.coded is not None:
                records.append(F.corrected_theme_share_by_outlet(result.trends_by, out,
                                                                 presence=presence))
        records.append(F.theme_cooccurrence_heatmap(
            theme_cooccurrence(result.kept_scores), out, presence=presence))
        records.append(F.top_terms_per_theme(top_terms_by_theme(result.kept_evidence, n=8),
                                             out))
        if result.topic_trends is not None:
            records.append(F.topic_prevalence_by_period(result.topic_trends, out,
                                                        labels=_topic_labels(result.model)))
        if cfg.operating_point != DEFAULT_OPERATING_POINT:
            note = F.operating_point_note(cfg.operating_point)
            for r in records:
                if r["name"].startswith(("theme_share", "corrected_theme_share",
                                         "theme_cooccurrence")):
                    r["caption"] = f"{r['caption'].rstrip()} {note}"
        F._write_captions(out, records)
    manifest = _manifest(result, records)
    write_json(out / "manifest.json", manifest)
    return manifest


def _manifest(result: RunResult, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest, from the config and the tables (no timestamps, no absolute paths)."""
    from civictext import __version__
    from civictext.config import package_versions
    from civictext.viz.figures import corpus_fingerprint

    cfg, t = result.config, result.config.trends
    articles = result.kept_table
    kinds = articles["kind"].value_counts().sort_index() if "kind" in articles else pd.Series()
    return {
        "corpus": {**corpus_fingerprint(cfg.corpus), "documents": result.n_documents,
                   "near_duplicates_dropped": result.n_duplicates_dropped,
                   "documents_by_kind": {str(k): int(v) for k, v in kinds.items()},
                   "excluded_by_date_precision": result.volume.attrs["excluded"],
                   **_dataset_record(cfg.corpus)},
        "civictext_version": __version__,
        "versions": package_versions(),
        "parameters": {"freq": result.freq, "freq_chosen_automatically": t.freq is None,
                       "presence": cfg.presence,
                       "theme_model": result.theme_model,
                       "read_options": cfg.read.as_kwargs(),
                       "by": t.by or "", "level": t.level, "n_boot": t.n_boot,
                       "min_articles": t.min_articles, "topic_method": cfg.topics.method,
                       "unit": "document (article or teaser)"},
        "random_state": cfg.random_state,
        **({"coded_sample": {**_coded_record(t.coded, t.pooled),
                             "cross_fit": t.cross_fit,
                             "machine_measure": result.trends.attrs.get("correction", {})
                             .get("machine_measure")}} if t.coded is not None else {}),
        "figures": records,
        "skipped": ({"topic_prevalence": result.topics_skipped}
                    if result.topics_skipped else {}),
    }


def run_pipeline(config: RunConfig, out: str | os.PathLike, *, tables: bool = True,
                 where: str = "run_all") -> list[str]:
    """``run`` then ``write_outputs``: what ``civictext run`` (``tables=True``) and
    ``civictext figures`` (``tables=False``: figures and manifest only) do.

    Checks the config and ``out`` first (never inside the corpus). With
    ``tables``, the lines end with a table of the stages' wall and CPU
    seconds, also ``timings`` in ``figures/manifest.json`` (the only part of
    the outputs that differs between two runs or engines); the figures-only
    manifest has no timings (two runs give identical bytes).
    """
    config.check(where)
    out = check_out(config.corpus, out, where)
    with _progress.run_options(progress=config.progress, n_jobs=config.n_jobs) as opts:
        w0, c0 = time.perf_counter(), time.process_time()
        result = run(config, coverage=tables)
        lines = write_outputs(result, out, tables=tables,
                              figures_dir="figures" if tables else None)
        opts.timings.append({"stage": "total", "depth": 0,
                             "wall_s": round(time.perf_counter() - w0, 3),
                             "cpu_s": round(time.process_time() - c0, 3)})
    if not tables:
        return lines
    manifest_path = out / "figures" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    engine = getattr(config.engine, "name", "local")
    timings = _progress.merge_repeated(opts.timings)  # a stage per partition: summed
    manifest["timings"] = {"n_jobs": opts.n_jobs, "engine": engine, "stages": timings}
    write_json(manifest_path, manifest)
    lines.append(f"stage timings (n_jobs={opts.n_jobs}, engine {engine}; also in "
                 f"{manifest_path}):")
    lines.extend("  " + line for line in _progress.timing_table(timings))
    return lines


# ------------------------------------------------------------------ helpers
def check_out(corpus: str | os.PathLike, out: str | os.PathLike, where: str) -> Path:
    """Refuse to write into the corpus: raw data is read-only."""
    c, o = Path(corpus).resolve(), Path(out).resolve()
    if c.is_dir() and (o == c or c in o.parents):
        raise TrendError(f"{where}: out={str(out)!r} is inside the corpus folder {str(corpus)!r}; "
                         f"the corpus is read-only, choose an output folder outside it "
                         f"(e.g. outputs/)")
    from civictext._paths import check_output

    return check_output(out, [corpus], where=where, kind="folder")


def _dataset_record(corpus: str | os.PathLike) -> dict[str, Any]:
    """``{"dataset": ...}`` when the corpus came from ``fetch_corpus`` (name, URL,
    SHA-256 of what was received; no timestamp, so manifests stay stable)."""
    from civictext.ingest.datasets import provenance

    rec = provenance(corpus)
    if rec is None:
        return {}
    keep = ("name", "url", "file", "sha256", "verified", "source", "licence", "citation")
    return {"dataset": {k: rec.get(k) for k in keep}}


def _theme_model_record(theme_model: Any, presence: str,
                        scores: pd.DataFrame | None = None, *,
                        operating_point: str = DEFAULT_OPERATING_POINT
                        ) -> dict[str, Any] | None:
    """What the manifest says of the theme model used (None when none was).

    At an operating point other than the default "f1", ``operating_point`` and
    ``thresholds`` are that point's (a manifest without ``operating_point``
    used "f1", as every manifest before operating points existed)."""
    from civictext.themes.scoring import MODEL_PRESENCE

    cross = None if scores is None else scores.attrs.get("cross_fit")
    if cross is not None:  # K models fitted on the coded sample, none kept
        return {"path": None, "model_sha256": None, "cross_fit": cross}

    if theme_model is None and presence not in MODEL_PRESENCE:
        return None
    from civictext.themes.model import DEFAULT_MODEL_DIR, ThemeModel

    point: dict[str, Any] = {} if operating_point == DEFAULT_OPERATING_POINT else {
        "operating_point": operating_point}
    if isinstance(theme_model, ThemeModel):
        if point:
            point["thresholds"] = theme_model.thresholds_at(operating_point)
        return {"path": None, "model_sha256": None, "note": "a model object from the API",
                **point}
    folder = Path(theme_model) if theme_model is not None else DEFAULT_MODEL_DIR
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    thresholds = meta.get("thresholds")
    if point:
        thresholds = {t: r["threshold"] for t, r in
                      (meta.get("operating_points") or {}).get(operating_point, {}).items()}
    # the "auto" reading's measure per length class, when the model has them
    classes = {k: meta[k] for k in ("auto_measures", "short_max_tokens") if meta.get(k)}
    return {"path": "bundled" if theme_model is None else folder.name,
            "model_sha256": meta.get("model_sha256"),
            "use_model": meta.get("use_model"), **classes, "thresholds": thresholds, **point}


def _topic_labels(model: Any) -> dict[Any, str]:
    topics = getattr(model, "topics", None)
    if isinstance(topics, pd.DataFrame) and {"topic", "label"} <= set(topics.columns):
        return {t: str(lab) for t, lab in zip(topics["topic"], topics["label"])}
    return {}


def _coded_record(coded: Any, pooled: bool) -> dict[str, Any]:
    """What the manifest says about a coded sample: file, SHA-256, counts."""
    from civictext.themes.validation import read_coded

    long = read_coded(coded)
    if isinstance(coded, (str, os.PathLike)):
        name, digest = Path(coded).name, sha256_file(coded)
    else:
        name = "(DataFrame)"
        digest = hashlib.sha256(long.to_csv(index=False).encode("utf-8")).hexdigest()
    return {"file": name, "sha256": digest, "documents": int(long["doc_id"].nunique()),
            "rows": int(len(long)), "relevant": int(long["relevant"].sum()),
            "by_theme": {str(t): int(n) for t, n in long["theme"].value_counts().sort_index()
                         .items()},
            "correction": "pooled" if pooled else "per cell"}


def config_from_kwargs(corpus: str | os.PathLike, *, strict: bool = False,
                       read_options: dict[str, Any] | None = None, **kw: Any) -> RunConfig:
    """A :class:`RunConfig` from the keyword arguments of ``run_all``/``build_figures``."""
    trend_keys = {f.name for f in dataclasses.fields(TrendSpec)}
    trend = {k: kw.pop(k) for k in list(kw) if k in trend_keys}
    opts = dict(read_options or {})
    bad = [k for k in opts if k not in {f.name for f in dataclasses.fields(ReadOptions)}
           or k == "strict"]
    if bad:
        raise ParameterError(f"read_options: unknown read_corpus option(s) "
                             f"{', '.join(map(repr, bad))}; use encoding, fields, segmented, "
                             "category_pattern, limit or max_file_mb")
    return RunConfig(corpus=corpus, read=ReadOptions(strict=bool(strict), **opts),
                     trends=TrendSpec(**trend), **kw)
