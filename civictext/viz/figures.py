"""Every figure, drawn and saved (pipeline stage 6, the saving half).

One function per figure, named by what it shows; each draws from a table it
is given and writes ``NAME.png``, ``NAME.svg`` and ``NAME.csv`` (exactly the
numbers plotted) into ``out`` and returns a record (name, files, CSV SHA-256,
caption). This module computes nothing of the run itself:

- :func:`figures_from_tables` draws every figure from tables you already have
  (articles, theme scores, evidence, document-topic weights);
- :func:`build_figures` (``civictext figures``) and :func:`run_all`
  (``civictext run``) are thin wrappers kept for existing callers: they build a
  :class:`civictext.pipeline.RunConfig` from their keyword arguments and call
  :func:`civictext.pipeline.run_pipeline`, where the job lives.

Reproducible: the same corpus, versions and parameters give byte-identical CSVs
and manifest (no timestamps, no absolute paths), and, on the same machine and
library versions, identical PNG and SVG files (fixed SVG hash salt, no date or
software stamp in the image metadata).

When the frequency is not given it is chosen with
:func:`civictext.trends.shares.choose_freq`: the finest of month, quarter and year that
is well filled. Every caption says how many documents had no usable date.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from civictext._io import atomic_write, sha256_file, write_csv, write_text
from civictext.config import DEFAULT_CI_LEVEL, DEFAULT_RANDOM_STATE
from civictext.themes.scoring import DEFAULT_PRESENCE
from civictext.trends.shares import (
    DEFAULT_MIN_ARTICLES,
    DEFAULT_N_BOOT,
    TrendError,
    choose_freq,
    corpus_volume,
    theme_cooccurrence,
    theme_trends,
    top_terms_by_theme,
    topic_trends,
)

__all__ = [
    "corpus_fingerprint",
    "corpus_volume_by_period",
    "theme_share_by_period",
    "theme_share_by_outlet",
    "theme_cooccurrence_heatmap",
    "top_terms_per_theme",
    "topic_prevalence_by_period",
    "corrected_theme_share_by_period",
    "corrected_theme_share_by_outlet",
    "figures_from_tables",
    "build_figures",
    "run_all",
]

log = logging.getLogger(__name__)

_FREQ_WORD = {"M": "month", "Q": "quarter", "Y": "year"}


# ------------------------------------------------------------------ saving
def _save(fig: Any, out: Path, name: str, table: pd.DataFrame, caption: str) -> dict[str, Any]:
    """Write NAME.png, NAME.svg and NAME.csv atomically; close the figure."""
    import matplotlib.pyplot as plt

    from civictext.viz.plots import style

    out.mkdir(parents=True, exist_ok=True)
    try:
        with plt.rc_context(style()):
            # one layout pass for both files: the tight box around everything drawn
            bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
            with atomic_write(out / f"{name}.png", "wb") as fh:
                fig.savefig(fh, format="png", metadata={"Software": None}, bbox_inches=bbox)
            with atomic_write(out / f"{name}.svg", "wb") as fh:
                fig.savefig(fh, format="svg", metadata={"Date": None, "Creator": None},
                            bbox_inches=bbox)
    finally:
        plt.close(fig)
    csv = write_csv(out / f"{name}.csv", table)
    return {"name": name, "png": f"{name}.png", "svg": f"{name}.svg", "csv": f"{name}.csv",
            "csv_sha256": sha256_file(csv), "rows": int(len(table)), "caption": caption}


def _date_sentence(attrs: dict[str, Any], freq: str) -> str:
    from civictext.viz.plots import excluded_note

    return excluded_note(attrs, unit="documents") + (
        f" Resolution: {_FREQ_WORD[freq]}; a document dated less precisely than that is "
        f"never assigned to a period.")


def _csv_frame(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = table[[c for c in columns if c in table.columns]].copy()
    out.attrs = {}
    return out


#: How captions say what ``present`` means, per ``score_themes(presence=...)``.
PRESENCE_WORDS = {
    "focus": ("is present (the theme is prominent: a lexicon term in the headline, in the "
              "lead and one more sentence, or in at least one sentence in five of a document "
              "of four or more)"),
    "mention": "is mentioned (one specific lexicon term, or two weak ones, anywhere)",
    "model": ("is a substantial subject by the supervised theme model (trained on coded real "
              "news, docs/codebook.md)"),
    "auto": ("is present by the default measure (the supervised theme model for the themes "
             "where it beat the focus rule on held-out corpora, the focus rule for the others)"),
}


def operating_point_note(operating_point: str) -> str:
    """The caption sentence of a theme model's operating point other than "f1"."""
    return {"precision": ("The theme model's verdicts are at its precision-oriented "
                          "operating point (the lowest threshold whose out-of-fold precision "
                          "reached its target, model.json 'operating_points'), not its "
                          "F1-optimal threshold.")
            }[operating_point]


def _presence_words(presence: str) -> str:
    if presence not in PRESENCE_WORDS:
        raise TrendError(f"presence must be one of {', '.join(PRESENCE_WORDS)}, got "
                         f"{presence!r}")
    return PRESENCE_WORDS[presence]


# ------------------------------------------------------ one function per figure
def corpus_volume_by_period(volume: pd.DataFrame, out: str | os.PathLike) -> dict[str, Any]:
    """Bar chart of documents per period; writes ``corpus_volume_by_<freq>.*``.

    CSV columns: ``period, n_articles``. ``volume`` is
    :func:`civictext.trends.shares.corpus_volume` output.
    """
    from civictext.viz.plots import plot_volume

    freq = volume.attrs.get("freq", "M")
    ax = plot_volume(volume)
    name = f"corpus_volume_by_{_FREQ_WORD[freq]}"
    cap = (f"Number of documents per {_FREQ_WORD[freq]}. " + _date_sentence(volume.attrs, freq))
    return _save(ax.figure, Path(out), name, _csv_frame(volume, ["period", "n_articles"]), cap)


def theme_share_by_period(trends: pd.DataFrame, out: str | os.PathLike, *,
                          presence: str = DEFAULT_PRESENCE) -> dict[str, Any]:
    """Theme shares per period with interval bands; writes ``theme_share_by_<freq>.*``.

    CSV columns: ``period, theme, n_articles, n_present, share, share_lo,
    share_hi, low_n`` (shares as fractions; the figure shows per cent).
    ``presence`` names the reading of ``present`` in the caption.
    """
    from civictext.viz.plots import plot_theme_shares

    freq = trends.attrs.get("freq", "M")
    ax = plot_theme_shares(trends, measure=presence)
    level = trends.attrs.get("level", DEFAULT_CI_LEVEL)
    cap = (f"Share of documents in which each theme {_presence_words(presence)}, per "
           f"{_FREQ_WORD[freq]}, with "
           f"{level:.0%} percentile bootstrap intervals ({trends.attrs.get('n_boot')} "
           f"resamples of the period's documents, seed {trends.attrs.get('random_state')}). "
           f"Hollow points: fewer than {trends.attrs.get('min_articles')} documents. "
           + _date_sentence(trends.attrs, freq))
    cols = ["period", "theme", "n_articles", "n_present", "share", "share_lo", "share_hi",
            "low_n"]
    return _save(ax.figure, Path(out), f"theme_share_by_{_FREQ_WORD[freq]}",
                 _csv_frame(trends, cols), cap)


def theme_share_by_outlet(trends: pd.DataFrame, out: str | os.PathLike, *,
                          presence: str = DEFAULT_PRESENCE) -> dict[str, Any]:
    """Small multiples of theme shares, one panel per outlet (the ``by`` column).

    Writes ``theme_share_by_outlet.*``; CSV columns: ``<by>, period, theme,
    n_articles, n_present, share, share_lo, share_hi, low_n``.
    """
    from civictext.viz.plots import plot_theme_shares_by_group

    by = (trends.attrs.get("by") or ["source"])[0]
    freq = trends.attrs.get("freq", "M")
    fig = plot_theme_shares_by_group(trends, by=by, measure=presence)
    level = trends.attrs.get("level", DEFAULT_CI_LEVEL)
    cap = (f"Share of documents in which each theme {_presence_words(presence)}, per "
           f"{_FREQ_WORD[freq]}, one panel per "
           f"value of '{by}', with {level:.0%} bootstrap intervals. "
           + _date_sentence(trends.attrs, freq))
    cols = [by, "period", "theme", "n_articles", "n_present", "share", "share_lo",
            "share_hi", "low_n"]
    return _save(fig, Path(out), "theme_share_by_outlet", _csv_frame(trends, cols), cap)


def theme_cooccurrence_heatmap(matrix: pd.DataFrame, out: str | os.PathLike, *,
                               presence: str = DEFAULT_PRESENCE) -> dict[str, Any]:
    """Heatmap of documents with two themes present; writes ``theme_cooccurrence.*``.

    CSV: long form ``theme_a, theme_b, n_documents`` (every cell drawn).
    """
    from civictext.viz.plots import plot_cooccurrence

    ax = plot_cooccurrence(matrix)
    long = matrix.stack().rename("n_documents").reset_index()
    long.columns = ["theme_a", "theme_b", "n_documents"]
    both = "are mentioned" if presence == "mention" else "are present"
    _presence_words(presence)
    cap = (f"Number of documents in which both themes {both} (diagonal: the theme "
           f"alone), out of {matrix.attrs.get('n_documents')} documents, dated or not; "
           f"colour is the share of all documents.")
    return _save(ax.figure, Path(out), "theme_cooccurrence", long, cap)


def top_terms_per_theme(top_terms: pd.DataFrame, out: str | os.PathLike) -> dict[str, Any]:
    """Most frequent lexicon terms per theme; writes ``top_terms_per_theme.*``.

    CSV columns: ``theme, rank, term, n_hits, n_docs``.
    """
    from civictext.viz.plots import plot_top_terms

    ax = plot_top_terms(top_terms, n=int(top_terms["rank"].max()) if len(top_terms) else 1)
    n = int(top_terms["rank"].max()) if len(top_terms) else 0
    cap = (f"The {n} most frequent lexicon terms of each theme (matches in all documents, "
           f"dated or not), from the evidence table; each match is a checkable sentence.")
    return _save(ax.figure, Path(out), "top_terms_per_theme",
                 _csv_frame(top_terms, ["theme", "rank", "term", "n_hits", "n_docs"]), cap)


def topic_prevalence_by_period(trends: pd.DataFrame, out: str | os.PathLike, *,
                               labels: dict[Any, str] | None = None) -> dict[str, Any]:
    """Mean topic weight per period with bands; writes ``topic_prevalence_by_<freq>.*``.

    CSV columns: ``period, topic, label, n_articles, mean_weight, weight_lo,
    weight_hi, low_n``.
    """
    from civictext.viz.plots import plot_topic_prevalence

    freq = trends.attrs.get("freq", "M")
    ax = plot_topic_prevalence(trends, labels=labels)
    table = _csv_frame(trends, ["period", "topic", "n_articles", "mean_weight", "weight_lo",
                                "weight_hi", "low_n"])
    table.insert(2, "label", [str((labels or {}).get(t, f"topic {t}")) for t in table["topic"]])
    cap = (f"Mean document-topic weight per {_FREQ_WORD[freq]} (seeded topic model), with "
           f"{trends.attrs.get('level', DEFAULT_CI_LEVEL):.0%} bootstrap intervals. "
           + _date_sentence(trends.attrs, freq))
    return _save(ax.figure, Path(out), f"topic_prevalence_by_{_FREQ_WORD[freq]}", table, cap)


def corrected_theme_share_by_period(trends: pd.DataFrame, out: str | os.PathLike, *,
                                    presence: str = DEFAULT_PRESENCE) -> dict[str, Any]:
    """Corrected theme shares with intervals; writes ``corrected_theme_share_by_<freq>.*``.

    ``trends`` is ``theme_trends(..., coded=...)`` output (no ``by``). CSV
    columns: ``period, theme, n_articles, share, share_corrected,
    corrected_lo, corrected_hi, n_coded, corrected_note``. The caption says
    what was corrected, how many documents were coded per period, and the
    estimator.
    """
    from civictext.viz.plots import plot_corrected_shares

    freq = trends.attrs.get("freq", "M")
    ax = plot_corrected_shares(trends, measure=presence)
    cap = _corrected_caption(trends, presence, [], _FREQ_WORD[freq])
    cols = ["period", "theme", "n_articles", "share", "share_corrected", "corrected_lo",
            "corrected_hi", "n_coded", "corrected_note"]
    rec = _save(ax.figure, Path(out), f"corrected_theme_share_by_{_FREQ_WORD[freq]}",
                _csv_frame(trends, cols), cap)
    return {**rec, "correction": _correction_record(trends)}


def corrected_theme_share_by_outlet(trends: pd.DataFrame, out: str | os.PathLike, *,
                                    presence: str = DEFAULT_PRESENCE) -> dict[str, Any]:
    """Corrected theme shares per outlet (small multiples); writes
    ``corrected_theme_share_by_outlet.*``.

    ``trends`` is ``theme_trends(..., by=<column>, coded=...)`` output. CSV
    columns: ``<by>, period, theme, n_articles, share, share_corrected,
    corrected_lo, corrected_hi, n_coded, corrected_note``. The caption says
    what was corrected, how many documents were coded per cell (outlet x
    period), and the estimator; the record's ``correction`` (in the manifest)
    has the counts and, when pooled, the test of the pooled assumption.
    """
    from civictext.viz.plots import plot_corrected_shares_by_group

    by = (trends.attrs.get("by") or ["source"])[0]
    freq = trends.attrs.get("freq", "M")
    fig = plot_corrected_shares_by_group(trends, by=by, measure=presence)
    cap = _corrected_caption(trends, presence, [by], f"'{by}' and {_FREQ_WORD[freq]}")
    cols = [by, "period", "theme", "n_articles", "share", "share_corrected", "corrected_lo",
            "corrected_hi", "n_coded", "corrected_note"]
    rec = _save(fig, Path(out), "corrected_theme_share_by_outlet", _csv_frame(trends, cols),
                cap)
    return {**rec, "correction": _correction_record(trends)}


def _correction_record(trends: pd.DataFrame) -> dict[str, Any]:
    """The correction's counts (and pooled test) from ``attrs``, for the manifest."""
    info = dict(trends.attrs.get("correction", {}))
    return {k: info[k] for k in ("method", "measure", "min_coded", "level", "coded_documents",
                                 "coded_documents_in_cells", "coded_dropped_as_duplicates",
                                 "themes_not_coded", "assumption", "pooled_test",
                                 "machine_measure") if k in info}


def _corrected_caption(trends: pd.DataFrame, presence: str, by: list[str], cell: str) -> str:
    """Caption of a corrected-share figure: what was corrected, n coded per cell, estimator."""
    freq = trends.attrs.get("freq", "M")
    info = trends.attrs.get("correction", {})
    level = trends.attrs.get("level", DEFAULT_CI_LEVEL)
    per = trends[trends["n_articles"] > 0].groupby([*by, "period"])["n_coded"].max()
    coded_words = (f"{int(per.min())}-{int(per.max())}" if len(per) and per.min() != per.max()
                   else f"{int(per.max()) if len(per) else 0}")
    n_not = int((trends["share_corrected"].isna() & (trends["n_articles"] > 0)).sum())
    where = f"{by[0]} and period" if by else "period"
    if info.get("method") == "pooled":
        tests = info.get("pooled_test", {})
        verdict = "; ".join(f"{t}: {r['note']}" for t, r in tests.items())
        method = (f"one error rate pooled across cells ({info.get('assumption', '')}; "
                  f"{verdict})")
    else:
        method = f"each {where} corrected with its own coded documents"
    return (f"Share of documents in which each theme {_presence_words(presence)} (dashed: "
            f"the machine measure), and the share corrected for the measure's errors with a "
            f"human-coded probability sample (solid, with {level:.0%} intervals): "
            f"{info.get('coded_documents', 0)} coded documents, {coded_words} per "
            f"{cell}; {method}. Estimator: the machine share plus the inclusion-weighted "
            f"mean of the coded residuals (design-based supervised learning, Egami et al. "
            f"2023), intervals from Jeffreys intervals per machine class combined by MOVER "
            f"(see docs/methods.md). "
            + _machine_sentence(info)
            + (f"{n_not} cell(s) not estimable (too few coded documents, or a measure from "
               f"a theme model fitted on them; see corrected_note). " if n_not else "")
            + _date_sentence(trends.attrs, freq))


def _machine_sentence(info: dict[str, Any]) -> str:
    """What the caption says about a theme model behind the machine measure."""
    mm = info.get("machine_measure") or {}
    if mm.get("cross_fit"):
        return (f"The theme model's scores are cross-fitted ({mm['cross_fit'].get('folds')} "
                f"folds: no document was scored by a model fitted on its own code). ")
    if mm.get("in_sample"):
        return (f"Not corrected: {', '.join(sorted(mm['in_sample']))} (the theme model was "
                f"fitted on the coded documents; use cross-fitted scores). ")
    return ""


# ----------------------------------------------------------- from tables
def figures_from_tables(
    articles: pd.DataFrame,
    scores: pd.DataFrame,
    out: str | os.PathLike,
    *,
    evidence: pd.DataFrame | None = None,
    doc_topics: pd.DataFrame | None = None,
    topic_labels: dict[Any, str] | None = None,
    freq: str | None = None,
    by: str = "source",
    level: float = DEFAULT_CI_LEVEL,
    n_boot: int = DEFAULT_N_BOOT,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    presence: str = DEFAULT_PRESENCE,
    coded: Any = None,
    pooled: bool = False,
) -> list[dict[str, Any]]:
    """Draw and save every figure from tables already computed.

    Parameters
    ----------
    articles, scores : DataFrame
        The articles table and theme scores (docs/pipeline.md sections 1 and 3).
    out : path
        Folder for the PNG, SVG and CSV files (created if needed).
    evidence : DataFrame, optional
        ``theme_evidence`` output; without it the top-terms figure is skipped.
    doc_topics : DataFrame, optional
        ``TopicModel.doc_topics``; without it the topic figure is skipped.
    topic_labels : dict, optional
        Topic -> label for the topic figure.
    freq : {"M", "Q", "Y"}, optional
        Default: :func:`civictext.trends.shares.choose_freq` of ``articles``.
    by : str
        Column for the small multiples (skipped when the column is absent).
    level, n_boot, min_articles, random_state
        Passed to :func:`civictext.trends.shares.theme_trends`.
    presence : {"focus", "mention"}
        The ``presence`` rule ``scores`` were computed with; the captions say
        what ``present`` means.
    coded, pooled : optional
        A coded sample (``theme_trends(coded=...)``): adds the figure of
        corrected shares (:func:`corrected_theme_share_by_period`).

    Returns
    -------
    list of dict
        One record per figure: ``name, png, svg, csv, csv_sha256, rows, caption``
        (file names relative to ``out``), in a fixed order.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import tempfile
    >>> from civictext.ingest.synthetic import planted_trend_corpus
    >>> arts, _ = planted_trend_corpus({"conduct": [0.2, 0.6]}, ["2021", "2022"], 10)
    >>> sc = pd.DataFrame({"doc_id": arts["doc_id"], "theme": "conduct",
    ...     "present": arts["planted_themes"] != "", "per_1k": 0.0})
    >>> recs = figures_from_tables(arts, sc, tempfile.mkdtemp(), n_boot=50)
    >>> [r["name"] for r in recs]
    ['corpus_volume_by_year', 'theme_share_by_year', 'theme_share_by_outlet', 'theme_cooccurrence']
    """
    out = Path(out)
    _presence_words(presence)  # fail before drawing anything
    freq = freq or choose_freq(articles)
    kw = dict(freq=freq, level=level, n_boot=n_boot, min_articles=min_articles,
              random_state=random_state)
    records = [corpus_volume_by_period(corpus_volume(articles, freq=freq), out)]
    trends = theme_trends(scores, articles, **kw)
    records.append(theme_share_by_period(trends, out, presence=presence))
    if coded is not None:
        corrected = theme_trends(scores, articles, coded=coded, pooled=pooled, **kw)
        records.append(corrected_theme_share_by_period(corrected, out, presence=presence))
    if by and by in articles.columns:
        records.append(theme_share_by_outlet(theme_trends(scores, articles, by=by, **kw), out,
                                             presence=presence))
        if coded is not None:
            records.append(corrected_theme_share_by_outlet(
                theme_trends(scores, articles, by=by, coded=coded, pooled=pooled, **kw), out,
                presence=presence))
    ids = set(articles["doc_id"].astype(str))
    records.append(theme_cooccurrence_heatmap(
        theme_cooccurrence(scores[scores["doc_id"].astype(str).isin(ids)]), out,
        presence=presence))
    if evidence is not None:
        ev = evidence[evidence["doc_id"].astype(str).isin(ids)]
        records.append(top_terms_per_theme(top_terms_by_theme(ev, n=8), out))
    if doc_topics is not None:
        records.append(topic_prevalence_by_period(topic_trends(doc_topics, articles, **kw), out,
                                                  labels=topic_labels))
    _write_captions(out, records)
    return records


def _write_captions(out: Path, records: list[dict[str, Any]]) -> None:
    lines = ["# Figures", "", "Rebuilt by `civictext figures`; each PNG/SVG has a CSV of the "
             "numbers plotted.", ""]
    for r in records:
        lines += [f"## {r['name']}", "", f"![{r['name']}]({r['png']})", "", r["caption"],
                  "", f"Data: `{r['csv']}` ({r['rows']} rows).", ""]
    write_text(out / "captions.md", "\n".join(lines))


# ------------------------------------------------------------- from a corpus
def corpus_fingerprint(path: str | os.PathLike) -> dict[str, Any]:
    """SHA-256 over the sorted relative paths and file hashes of a corpus.

    Hidden files and folders (names starting with ``.``) are ignored. For a
    single file the relative path is its name.

    Returns
    -------
    dict
        ``sha256`` (hex), ``files`` (count), ``name`` (the folder or file name).
    """
    p = Path(path)
    if not p.exists():
        raise TrendError(f"corpus_fingerprint: {path} does not exist; pass the corpus "
                         f"folder or file")
    if p.is_file():
        files = [(p.name, p)]
    else:
        files = sorted((f.relative_to(p).as_posix(), f) for f in p.rglob("*")
                       if f.is_file() and not any(part.startswith(".")
                                                  for part in f.relative_to(p).parts))
    h = hashlib.sha256()
    for rel, f in files:
        try:
            digest = sha256_file(f)
        except OSError as exc:  # the reader skipped and reported it; fingerprint that
            digest = f"unreadable ({type(exc).__name__})"
        # surrogateescape: a file name that is not valid UTF-8 is hashed by its bytes
        h.update(f"{rel}\t{digest}\n".encode("utf-8", "surrogateescape"))
    return {"sha256": h.hexdigest(), "files": len(files), "name": p.resolve().name}


def build_figures(
    corpus: str | os.PathLike,
    out: str | os.PathLike,
    *,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    strict: bool = False,
    progress: bool = False,
    freq: str | None = None,
    by: str = "source",
    level: float = DEFAULT_CI_LEVEL,
    n_boot: int = DEFAULT_N_BOOT,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    dedup: bool = True,
    presence: str = DEFAULT_PRESENCE,
    read_options: dict[str, Any] | None = None,
    theme_model: Any = None,
    coded: Any = None,
    pooled: bool = False,
    cross_fit: int | None = None,
    operating_point: str = "f1",
) -> dict[str, Any]:
    """Rebuild every figure from a corpus and write ``manifest.json``.

    Reads the corpus (``read_corpus``), scores themes (``score_themes``,
    ``theme_evidence``), fits the seeded topic model (``fit_topics(method=
    "seeded")``; skipped with the reason in the manifest when it cannot be
    fitted), then calls :func:`figures_from_tables`.

    Parameters
    ----------
    corpus : path
        Corpus folder or file (never modified).
    out : path
        Output folder: one PNG, SVG and CSV per figure, ``captions.md`` and
        ``manifest.json``.
    random_state : int
        Seed of the bootstrap and the topic model.
    strict, progress : bool
        Passed to ``read_corpus``.
    freq, by, level, n_boot, min_articles
        As in :func:`figures_from_tables`.
    dedup : bool
        Drop near-duplicate documents (syndicated copies, re-posts; MinHash,
        see :mod:`civictext.ingest.dedup`) before counting (default True); the
        manifest records how many were dropped.
    presence : {"focus", "mention"}
        What counts as a theme being present (``score_themes(presence=...)``;
        default "focus"); recorded in the manifest and the captions.
    read_options : dict, optional
        More ``read_corpus`` keyword arguments (``fields``, ``encoding``,
        ``category_pattern``, ...); recorded in the manifest.
    theme_model : ThemeModel or path, optional
        Passed to ``score_themes(model=...)`` (default: the bundled model when
        ``presence`` is "model" or "auto"); its checksum goes in the manifest.
    operating_point : {"f1", "precision"}
        The theme model's threshold (``score_themes(operating_point=...)``;
        default "f1"); a non-default point is recorded in the manifest.
    coded, pooled : optional
        A coded sample (path or table, see ``theme_trends(coded=...)``): adds
        the corrected-shares figure; the manifest's ``coded_sample`` records
        the file name, its SHA-256 and counts.
    cross_fit : int, optional
        With ``coded``: score with the theme model cross-fitted on it in this
        many folds (:func:`civictext.cross_fit_scores`) instead of
        ``theme_model``; recorded in the manifest.

    Returns
    -------
    dict
        The manifest: ``corpus`` (name, ``sha256`` fingerprint over sorted
        relative paths and file hashes, file and document counts, exclusions by
        date precision), ``civictext_version``, ``versions``, ``parameters``,
        ``random_state``, ``figures`` (records with CSV SHA-256), ``skipped``.
        No timestamps or absolute paths: two runs give identical bytes.
    """
    from civictext.pipeline import config_from_kwargs, run_pipeline

    config = config_from_kwargs(corpus, strict=strict, read_options=read_options,
                                random_state=random_state, progress=progress, freq=freq,
                                by=by or None, level=level, n_boot=n_boot,
                                min_articles=min_articles, dedup=dedup, presence=presence,
                                theme_model=theme_model, coded=coded, pooled=pooled,
                                cross_fit=cross_fit, n_jobs=1, operating_point=operating_point)
    run_pipeline(config, out, tables=False, where="build_figures")
    return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))


def run_all(
    path: str | os.PathLike,
    out: str | os.PathLike,
    *,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    strict: bool = False,
    progress: bool = False,
    dedup: bool = True,
    presence: str = DEFAULT_PRESENCE,
    read_options: dict[str, Any] | None = None,
    by: str | None = "source",
    theme_model: Any = None,
    coded: Any = None,
    pooled: bool = False,
    cross_fit: int | None = None,
    n_jobs: int = -1,
    operating_point: str = "f1",
) -> list[str]:
    """The main job: every stage's tables and every figure, under ``out``.

    Scores, evidence and coverage cover every document; the topic model,
    trends and figures count each story once (near-duplicates dropped, listed
    in ``near_duplicates.csv``) unless ``dedup=False``. ``presence`` is passed
    to ``score_themes`` (default "focus": the theme is prominent in the
    document; "mention": anywhere); ``read_options`` to ``read_corpus``
    (e.g. ``{"fields": {"text": "content"}, "category_pattern": ...}``).
    ``by`` is the column of the per-group trends and the small multiples
    (default ``source``, the outlet; e.g. ``category``; None for none).
    ``theme_model`` and ``operating_point`` go to ``score_themes(model=...,
    operating_point=...)``.
    ``coded`` (a coded sample, see ``theme_trends(coded=...)``) adds the
    corrected-share columns to ``trends.csv`` and ``trends_by_<by>.csv``, the
    corrected-shares figure, and the sample's SHA-256 and counts to the manifest.

    ``n_jobs``: worker processes for word segmentation (default -1, every
    core; the outputs are the same bytes with any value). ``progress`` shows
    a ``tqdm.auto`` bar for every slow step (terminal or JupyterLab).

    The last lines returned are a table of the stages' wall and CPU seconds
    (CPU of this process; segmentation workers are in the wall time); the same
    table is ``timings`` in ``figures/manifest.json``, the only part of the
    outputs that differs between two runs.

    Writes ``articles.csv`` and the read report, ``scores.csv``,
    ``evidence.csv``, ``coverage.csv``, ``topics/`` (topics, top terms,
    document-topic weights, the saved model), ``trends.csv``,
    ``trends_by_<by>.csv``, ``topic_trends.csv`` and ``figures/`` (with
    ``manifest.json``).

    Returns
    -------
    list of str
        One line per output saying where it is, then the stage timings.
    """
    from civictext.pipeline import config_from_kwargs, run_pipeline

    config = config_from_kwargs(path, strict=strict, read_options=read_options,
                                random_state=random_state, progress=progress, dedup=dedup,
                                presence=presence, by=by, theme_model=theme_model, coded=coded,
                                pooled=pooled, cross_fit=cross_fit, n_jobs=n_jobs,
                                operating_point=operating_point)
    return run_pipeline(config, out)
