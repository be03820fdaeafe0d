"""Theme and topic shares over time, with bootstrap intervals (pipeline stage 5).

The unit is the **article** (one row of the articles table). For every period
(month, quarter or year) and every theme, :func:`theme_trends` reports how many
articles were published, how many have the theme ``present`` (by
``score_themes``' presence rule: by default the article gives the theme
prominence, see :mod:`civictext.themes.scoring`), the share of articles that do, and
their mean intensity (hits per 1,000 tokens), each with a percentile bootstrap
interval that resamples articles *within* the period.

Dates of different precision are handled explicitly. An article is placed in a
period only when its date is at least as precise as the period: at
``freq="M"`` or ``"Q"`` an article known only to the year is **excluded** (never
put in January); at ``freq="Y"`` it counts. Excluded articles are counted by
reason in ``df.attrs["excluded"]`` (``{"year": 3, "unknown": 17}``) so a figure
can say how many it leaves out.

Bootstrap draws are seeded per cell: the interval of one (group, period) depends
only on ``random_state``, the cell's label and the articles in it, never on the
other periods, so adding data for 2025 does not move the 2019 interval.

>>> import pandas as pd
>>> articles = pd.DataFrame({"doc_id": ["a", "b", "c"],
...                          "published": ["2024-01-05", "2024-01-20", "2024-03-02"],
...                          "date_precision": ["day", "day", "day"]})
>>> scores = pd.DataFrame({"doc_id": ["a", "b", "c"], "theme": "reform",
...                        "present": [True, False, True], "per_1k": [4.0, 0.0, 2.0]})
>>> t = theme_trends(scores, articles, freq="M", n_boot=200)
>>> t["period"].tolist(), t["n_articles"].tolist(), t["share"].tolist()
(['2024-01', '2024-02', '2024-03'], [2, 0, 1], [0.5, nan, 1.0])
"""
from __future__ import annotations

import hashlib
import logging
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_CI_LEVEL, DEFAULT_RANDOM_STATE
from civictext.errors import CivictextWarning, TrendError

__all__ = [
    "TrendError",
    "FREQS",
    "DEFAULT_MIN_ARTICLES",
    "DEFAULT_N_BOOT",
    "theme_trends",
    "topic_trends",
    "compare_periods",
    "assign_periods",
    "corpus_volume",
    "theme_cooccurrence",
    "top_terms_by_theme",
    "choose_freq",
]

log = logging.getLogger(__name__)

#: Allowed ``freq`` values and the date precisions each accepts.
FREQS: dict[str, tuple[str, ...]] = {
    "M": ("day", "month"),
    "Q": ("day", "month"),
    "Y": ("day", "month", "year"),
}
#: Periods with fewer articles than this get ``low_n=True``.
DEFAULT_MIN_ARTICLES = 10
#: Bootstrap resamples per cell.
DEFAULT_N_BOOT = 1000
#: Most bootstrap resamples per period theme_trends accepts (time and memory grow with them).
MAX_N_BOOT = 100_000

_PRECISION_RANK = {"unknown": 0, "year": 1, "month": 2, "day": 3}
_FREQ_NAME = {"M": "month", "Q": "quarter", "Y": "year"}


# ----------------------------------------------------------------- validation
def _check_freq(freq: str, where: str) -> str:
    if freq not in FREQS:
        raise TrendError(f"{where}: freq must be one of 'M', 'Q', 'Y' (month, quarter, year); "
                         f"got {freq!r}")
    return freq


def _check_level(level: float, where: str) -> float:
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise TrendError(f"{where}: level must be a number between 0 and 1 (e.g. 0.90); "
                         f"got {level!r}")
    return float(level)


def _check_columns(df: Any, needed: Sequence[str], name: str, where: str, hint: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TrendError(f"{where}: {name} must be a pandas DataFrame; got {type(df).__name__}")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise TrendError(f"{where}: {name} lacks column(s) {missing} (it has {list(df.columns)}); "
                         f"{hint}")


def _check_by(articles: pd.DataFrame, by: str | Sequence[str] | None, where: str) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in articles.columns]
    if missing:
        raise TrendError(f"{where}: by={by!r} names column(s) {missing} that the articles table "
                         f"does not have; choose from {list(articles.columns)}")
    reserved = {"period", "period_start", "theme", "topic"}
    if reserved & set(cols):
        raise TrendError(f"{where}: by={by!r} uses a reserved column name; rename it first")
    return cols


def _check_unique_ids(articles: pd.DataFrame, where: str) -> None:
    dup = articles["doc_id"][articles["doc_id"].duplicated()]
    if len(dup):
        raise TrendError(f"{where}: articles has duplicate doc_id values (e.g. {dup.iloc[0]!r}, "
                         f"{len(dup)} duplicates); doc_id must identify one article")


# --------------------------------------------------------------------- dates
def _precision_of(value: str) -> str:
    """Precision implied by an ISO string at its precision ("2019", "2019-05", ...)."""
    n = len(value)
    if n == 4:
        return "year"
    if n == 7:
        return "month"
    if n >= 10:
        return "day"
    return "unknown"


def assign_periods(articles: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Place each article in a period at ``freq``, or say why it cannot be placed.

    The precision used is the coarser of ``date_precision`` (when the column
    exists) and the precision the ``published`` string itself carries, so an
    article stored as ``"2019-01-01"`` with ``date_precision="year"`` is still
    treated as known only to the year, never as a January article.

    Parameters
    ----------
    articles : DataFrame
        Needs ``doc_id`` and ``published`` (ISO 8601 at its precision, ``""``
        when unknown); ``date_precision`` is used when present.
    freq : {"M", "Q", "Y"}
        Month, quarter or year.

    Returns
    -------
    DataFrame
        One row per article, same order: ``doc_id``, ``precision``
        (``day|month|year|unknown|unparseable``), ``period`` (label such as
        ``"2024-11"``, ``"2024Q4"``, ``"2024"``; ``None`` when excluded),
        ``excluded`` (reason: the precision, or ``""`` when placed).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"doc_id": ["x", "y"], "published": ["2019", "2019-05-12"]})
    >>> assign_periods(a, "M")["period"].tolist()
    [None, '2019-05']
    """
    freq = _check_freq(freq, "assign_periods")
    _check_columns(articles, ["doc_id", "published"], "articles", "assign_periods",
                   "pass the table read_corpus returns")
    # each distinct (published, date_precision) pair is placed once and its results
    # are taken back by position (pd.factorize): no per-article Python lists
    pub_codes, pub_values = pd.factorize(_as_strings(articles["published"], ""), sort=False)
    if "date_precision" in articles.columns:
        said_codes, said_values = pd.factorize(_as_strings(articles["date_precision"], "unknown"),
                                               sort=False)
    else:
        said_codes = np.zeros(len(articles), dtype=np.intp)
        said_values = np.array(["day"], dtype=object)
    n_said = max(len(said_values), 1)
    pair_codes, pairs = pd.factorize(pub_codes.astype(np.int64) * n_said + said_codes,
                                     sort=False)
    placed = [_place(str(pub_values[c // n_said]).strip(), str(said_values[c % n_said]), freq)
              for c in pairs.tolist()]
    # lists, as the table was always built from (an empty one gives the same dtypes)
    precisions = np.array([p for p, _ in placed], dtype=object)[pair_codes].tolist()
    periods = np.array([q for _, q in placed], dtype=object)[pair_codes].tolist()
    reasons = np.array(["" if q is not None else p for p, q in placed],
                       dtype=object)[pair_codes].tolist()
    unparseable = np.array([p == "unparseable" for p, _ in placed], dtype=bool)[pair_codes]
    bad = articles["doc_id"].iloc[np.flatnonzero(unparseable)].tolist()
    if bad:
        warnings.warn(f"{len(bad)} article(s) have a published value that is not an ISO date "
                      f"(e.g. doc_id {bad[0]!r}); they are excluded from trends. Fix the "
                      f"'published' column (ISO 8601 at its precision: 2019, 2019-05, 2019-05-12)",
                      CivictextWarning, stacklevel=2)
    return pd.DataFrame({"doc_id": articles["doc_id"].to_numpy(), "precision": precisions,
                         "period": pd.Series(periods, dtype="object"),
                         "excluded": reasons})


def _as_strings(column: pd.Series, missing: str) -> pd.Series:
    """``column`` as strings, ``missing`` where it has no value: a string column
    as it is (its missing values filled), any other through ``object`` and
    ``astype(str)`` (a number, date or other object as its ``str``)."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.fillna(missing)
    return column.astype("object").where(column.notna(), missing).astype(str)


def _place(value: str, said: str, freq: str) -> tuple[str, str | None]:
    """(precision, period label or None) of one published value."""
    implied = _precision_of(value) if value else "unknown"
    prec = min(implied, said if said in _PRECISION_RANK else "unknown",
               key=_PRECISION_RANK.__getitem__)
    if prec == "unknown":
        return prec, None
    stem = {"year": value[:4], "month": value[:7], "day": value[:10]}[prec]
    try:
        ts = pd.Timestamp(stem if prec != "year" else f"{stem}-01-01")
    except (ValueError, TypeError):
        return "unparseable", None
    if ts is pd.NaT or pd.isna(ts):
        return "unparseable", None
    return prec, (str(pd.Period(ts, freq=freq)) if prec in FREQS[freq] else None)


def _excluded_counts(assigned: pd.DataFrame) -> dict[str, int]:
    ex = assigned.loc[assigned["excluded"] != "", "excluded"].value_counts()
    return {str(k): int(v) for k, v in sorted(ex.items())}


def _period_range(labels: Sequence[str], freq: str) -> list[pd.Period]:
    present = sorted({pd.Period(p, freq=freq) for p in set(labels)})
    if not present:
        return []
    return list(pd.period_range(present[0], present[-1], freq=freq))


def choose_freq(articles: pd.DataFrame, *, min_per_period: float = 5.0) -> str:
    """A sensible default frequency for a corpus: the finest that is well filled.

    ``"M"`` when at least 80% of the articles dated to the year are also dated
    to the month and there are on average ``min_per_period`` or more of them per
    month between the first and last; else the same test for ``"Q"``; else
    ``"Y"`` (also for a corpus with no dates at all, or only year dates).

    >>> import pandas as pd
    >>> choose_freq(pd.DataFrame({"doc_id": ["a"], "published": ["2019"],
    ...                           "date_precision": ["year"]}))
    'Y'
    """
    _check_columns(articles, ["doc_id", "published"], "articles", "choose_freq",
                   "pass the table read_corpus returns")
    n_year = int((assign_periods(articles, "Y")["period"].notna()).sum())
    for freq in ("M", "Q"):
        placed = assign_periods(articles, freq)["period"].dropna()
        if not len(placed) or len(placed) < 0.8 * n_year:
            continue
        span = len(_period_range(placed.tolist(), freq))
        if len(placed) / span >= min_per_period:
            return freq
    return "Y"


# ----------------------------------------------------------------- bootstrap
def _cell_seed(random_state: int | None, key: Sequence[Any]) -> np.random.Generator:
    if random_state is None:
        return np.random.default_rng()
    digest = hashlib.sha256("\x1f".join(map(str, key)).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng(np.random.SeedSequence([int(random_state), *words]))


#: Cells of at least this many articles draw their bootstrap replicates one at a
#: time: one (replicates x articles) float array per chunk instead of three
#: (the draws, their offsets and the counts as integers), the same numbers.
_ROW_WISE = 4096


def _boot_interval(values: np.ndarray, strata: np.ndarray | None, rng: np.random.Generator,
                   n_boot: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of each column and its percentile bootstrap interval.

    values: shape (n_articles, n_columns). strata: shape (n_articles,) integer
    labels; resampling is done within each stratum (a period), so a pooled
    window keeps each period's own article count. Intervals are widened, if
    needed, to contain the point estimate; with fewer than 2 articles they are NaN.
    """
    n, m = values.shape
    est = values.mean(axis=0) if n else np.full(m, np.nan)
    if n < 2 or n_boot < 1:
        return est, np.full(m, np.nan), np.full(m, np.nan)
    if strata is None:
        groups = [np.arange(n)]
    else:
        groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    chunk = max(1, min(n_boot, 4_000_000 // max(n, 1)))
    means = np.empty((n_boot, m))
    done = 0
    while done < n_boot:
        k = min(chunk, n_boot - done)
        # resample counts per article (k, n), then all column means in one product
        # (the same chunks of k replicates whatever the path: the product's rounding
        # depends on k)
        if n < _ROW_WISE:
            if strata is None:
                idx = rng.integers(0, n, size=(k, n))
            else:
                idx = np.concatenate([g[rng.integers(0, len(g), size=(k, len(g)))]
                                      for g in groups], axis=1)
            counts = np.bincount((idx + (np.arange(k) * n)[:, None]).ravel(),
                                 minlength=k * n).reshape(k, n).astype(np.float64)
            del idx
        else:  # large cells: one replicate's draws and counts at a time (same draws)
            counts = np.empty((k, n))
            if strata is None:
                for r in range(k):
                    counts[r] = np.bincount(rng.integers(0, n, size=n), minlength=n)
            else:
                idx = np.concatenate([g[rng.integers(0, len(g), size=(k, len(g)))]
                                      for g in groups], axis=1)
                for r in range(k):
                    counts[r] = np.bincount(idx[r], minlength=n)
                del idx
        means[done:done + k] = (counts @ values) / n
        del counts
        done += k
    alpha = (1 - level) / 2
    lo = np.quantile(means, alpha, axis=0)
    hi = np.quantile(means, 1 - alpha, axis=0)
    return est, np.minimum(lo, est), np.maximum(hi, est)


# ------------------------------------------------------------------ the core
_EMPTY = np.empty(0, dtype=np.intp)


def _cell_index(period_col: np.ndarray, placed: np.ndarray, keys: np.ndarray,
                periods: list[pd.Period], groups: list[tuple]) -> dict[tuple[int, int], np.ndarray]:
    """Row positions of the articles in each (group, period) cell, in table order."""
    p_code = {str(p): i for i, p in enumerate(periods)}
    g_code = {g: i for i, g in enumerate(groups)}
    rows = np.flatnonzero(placed)
    if not len(rows):
        return {}
    pc = np.array([p_code[period_col[r]] for r in rows], dtype=np.int64)
    gc = np.array([g_code[keys[r]] for r in rows], dtype=np.int64)
    combined = gc * len(periods) + pc
    order = np.argsort(combined, kind="stable")
    sorted_codes = combined[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    ends = np.r_[starts[1:], len(order)]
    return {(int(sorted_codes[a]) // len(periods), int(sorted_codes[a]) % len(periods)):
            rows[order[a:b]] for a, b in zip(starts, ends)}


def _group_keys(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    if not by:
        return pd.Series([()] * len(frame), index=frame.index, dtype="object")
    cols = [frame[c].astype("object").where(frame[c].notna(), "").map(str) for c in by]
    return pd.Series(list(zip(*cols)), index=frame.index, dtype="object")


def _trend_table(values: np.ndarray, names: list[str], assigned: pd.DataFrame,
                 articles: pd.DataFrame, *, freq: str, by: list[str], level: float,
                 n_boot: int, min_articles: int, random_state: int | None,
                 smooth: int | None, kind: str) -> pd.DataFrame:
    """Per (group, period) means of ``values``' columns with intervals.

    ``values`` has one row per article of ``articles`` (same order) and, for
    each name in ``names``, the columns given by ``kind``: themes have
    ``present`` and ``per_1k`` (columns ``2j`` and ``2j + 1``); topics ``weight``.
    """
    placed = assigned["period"].notna().to_numpy()
    periods = _period_range(assigned.loc[placed, "period"].tolist(), freq)
    keys = _group_keys(articles, by)
    period_col = assigned["period"].to_numpy()
    groups = sorted(set(keys[placed])) if by else [()]
    cells = _cell_index(period_col, placed, keys.to_numpy(), periods, groups)
    rows = []
    for gi, g in enumerate(groups):
        by_period = {p: cells.get((gi, pi), _EMPTY) for pi, p in enumerate(periods)}
        for i, p in enumerate(periods):
            idx = by_period[p]
            rng = _cell_seed(random_state, (kind, freq, *g, str(p)))
            est, lo, hi = _boot_interval(values[idx], None, rng, n_boot, level)
            cell = {"period": str(p), "period_start": p.start_time, "n_articles": len(idx)}
            cell.update(dict(zip(by, g)))
            if smooth:
                win = [by_period[q] for q in periods[max(0, i - smooth + 1):i + 1]]
                widx = np.concatenate(win) if win else np.empty(0, dtype=int)
                strata = np.concatenate([np.full(len(w), k) for k, w in enumerate(win)])
                srng = _cell_seed(random_state, ("smooth", smooth, kind, freq, *g, str(p)))
                sest, slo, shi = _boot_interval(values[widx], strata, srng, n_boot, level)
                cell["n_articles_window"] = len(widx)
            for j, nm in enumerate(names):
                row = dict(cell)
                if kind == "theme":
                    a, b = 2 * j, 2 * j + 1
                    row.update(theme=nm, n_present=int(values[idx, a].sum()),
                               share=est[a], share_lo=lo[a], share_hi=hi[a],
                               mean_per_1k=est[b], per_1k_lo=lo[b], per_1k_hi=hi[b])
                    if smooth:
                        row.update(share_smooth=sest[a], share_smooth_lo=slo[a],
                                   share_smooth_hi=shi[a], mean_per_1k_smooth=sest[b])
                else:
                    row.update(topic=nm, mean_weight=est[j], weight_lo=lo[j], weight_hi=hi[j])
                    if smooth:
                        row.update(mean_weight_smooth=sest[j], weight_smooth_lo=slo[j],
                                   weight_smooth_hi=shi[j])
                row["low_n"] = len(idx) < min_articles
                rows.append(row)
    item = "theme" if kind == "theme" else "topic"
    if kind == "theme":
        stats = ["n_articles", "n_present", "share", "share_lo", "share_hi",
                 "mean_per_1k", "per_1k_lo", "per_1k_hi", "low_n"]
        extra = ["n_articles_window", "share_smooth", "share_smooth_lo", "share_smooth_hi",
                 "mean_per_1k_smooth"] if smooth else []
    else:
        stats = ["n_articles", "mean_weight", "weight_lo", "weight_hi", "low_n"]
        extra = ["n_articles_window", "mean_weight_smooth", "weight_smooth_lo",
                 "weight_smooth_hi"] if smooth else []
    columns = ["period", "period_start", *by, item, *stats, *extra]
    out = pd.DataFrame(rows, columns=columns)
    if not len(out):
        out["period_start"] = pd.to_datetime(out["period_start"])
    out["low_n"] = out["low_n"].astype(bool)
    for c in ("n_articles", "n_present", "n_articles_window"):
        if c in out:
            out[c] = out[c].astype("int64")
    out.attrs.update(
        excluded=_excluded_counts(assigned), freq=freq, level=level, n_boot=n_boot,
        min_articles=min_articles, random_state=random_state, smooth=smooth,
        n_documents=len(articles), n_placed=int(placed.sum()), by=list(by),
    )
    return out


def _common_checks(articles: pd.DataFrame, freq: str, level: float, n_boot: int,
                   min_articles: int, smooth: int | None, by: Any, where: str) -> list[str]:
    _check_columns(articles, ["doc_id", "published"], "articles", where,
                   "pass the table read_corpus returns (docs/pipeline.md section 1)")
    _check_freq(freq, where)
    _check_level(level, where)
    if not isinstance(n_boot, (int, np.integer)) or not 0 <= n_boot <= MAX_N_BOOT:
        raise TrendError(f"{where}: n_boot must be a whole number from 0 (no intervals) to "
                         f"{MAX_N_BOOT}; got {n_boot!r}")
    if not isinstance(min_articles, (int, np.integer)) or min_articles < 0:
        raise TrendError(f"{where}: min_articles must be a non-negative integer; got "
                         f"{min_articles!r}")
    if smooth is not None and (not isinstance(smooth, (int, np.integer)) or smooth < 1):
        raise TrendError(f"{where}: smooth must be None or a trailing window of >= 1 periods; "
                         f"got {smooth!r}")
    _check_unique_ids(articles, where)
    return _check_by(articles, by, where)


def theme_trends(
    scores: pd.DataFrame,
    articles: pd.DataFrame,
    *,
    freq: str = "M",
    by: str | Sequence[str] | None = None,
    level: float = DEFAULT_CI_LEVEL,
    n_boot: int = DEFAULT_N_BOOT,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    smooth: int | None = None,
    coded: Any = None,
    pooled: bool = False,
    measure: str = "present",
    min_coded: int | None = None,
    near_duplicates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of articles mentioning each theme, per period (and group), with intervals.

    Parameters
    ----------
    scores : DataFrame
        Theme scores (``score_themes``): ``doc_id, theme, present, per_1k``.
        Rows for documents not in ``articles`` are ignored (so a filtered
        articles table can be passed); a missing (doc, theme) row counts as
        absent with intensity 0.
    articles : DataFrame
        The articles table: ``doc_id, published`` and ideally ``date_precision``.
    freq : {"M", "Q", "Y"}
        Month, quarter or year. Articles dated less precisely than ``freq``
        (year-only dates at M/Q) or undated are excluded and counted in
        ``attrs["excluded"]``.
    by : str or list of str, optional
        Articles-table column(s) to split by (e.g. ``"source"``). Every group
        gets every period between the corpus's first and last.
    level : float
        Bootstrap interval level (default 0.90): the percentile interval from
        ``n_boot`` resamples of the period's articles with replacement.
    n_boot : int
        Resamples per cell (0 = no intervals).
    min_articles : int
        ``low_n`` is True below this many articles in the period.
    random_state : int or None
        Seed; the same seed and data give the same intervals.
    smooth : int, optional
        Trailing window in periods. Adds ``share_smooth`` (pooled share of the
        articles in this period and the ``smooth - 1`` before it; never later
        ones), its interval (bootstrap stratified by period), ``mean_per_1k_smooth``
        and ``n_articles_window``. The first periods use the shorter window available.
    coded : DataFrame or path, optional
        A coded sample (``doc_id, theme, relevant, pi``, or a filled coding
        sheet with its key file: anything :func:`civictext.themes.validation.read_coded`
        reads). Adds the share **corrected for measurement error** per cell
        (:mod:`civictext.trends.correction`: the machine share plus the
        inclusion-weighted mean of the coded residuals, Egami et al. 2023):
        ``share_corrected``, ``corrected_lo``, ``corrected_hi`` (interval at
        ``level``), ``corrected_se``, ``n_coded`` (coded documents in the cell),
        ``correction`` (the method) and ``corrected_note`` (why a cell is not
        estimable, else ``""``). Every coded ``doc_id`` must be in
        ``articles``, except documents dropped as near-duplicates (found in
        ``near_duplicates``, else in ``articles.attrs["near_duplicates"]`` as
        ``drop_near_duplicates`` leaves it): those are left out of the correction with a warning, which
        keeps it valid (the rest are still a probability sample of the kept
        documents). ``attrs["correction"]`` records the counts.
        The correction needs a machine measure that does not depend on the
        coded documents' own codes: when the measure of a theme comes from a
        theme model fitted on any of the coded documents (the model's
        training record, which ``score_themes`` keeps in
        ``scores.attrs["theme_model"]``), that theme's corrected columns are
        NaN, ``corrected_note`` says why and a warning names the fix:
        cross-fitted scores (:func:`civictext.cross_fit_scores`) or a coded
        sample the model never saw. A coded document counts as one the model
        was fitted on when its ``text`` in ``articles`` is a training
        document's text, whatever its id (a document of your own whose id
        merely equals a training id is corrected; the same article under
        another id is refused); a model whose record predates the texts (or an
        ``articles`` table without ``text``) is checked on ids, and the note
        says so. ``attrs["correction"]["machine_measure"]``
        records the check (``source``: "theme model", "cross-fitted theme
        model", "no theme model" or "unknown" for a table without the record,
        e.g. read back from a CSV file, which is not checked; ``training_key``:
        "text" or "id", what a theme model's record was matched on).
    pooled : bool
        With ``coded``: one error rate for all cells instead of one per cell
        (only when asked; the ``correction`` column states its assumption).
        The assumption is tested (Cochran's Q across cells, per machine
        class): the result is in ``corrected_note`` and
        ``attrs["correction"]["pooled_test"]``, the between-cell variance of
        the error rates is added to every interval, and a warning says when
        the test rejects (then report the per-cell correction).
    measure : str
        The machine measure the correction starts from: a column of
        ``scores`` with values in [0, 1] (default ``present``); a name with
        ``{theme}`` (e.g. ``"p_{theme}"``) takes a column per theme.
        ``"p_model"``: the theme model's probability, and ``present`` for a
        theme the model does not score (``p_model`` missing for all its
        rows); the measure to use with cross-fitted scores (their intervals
        covered the truth in simulations where those from ``present`` did
        not: ``benchmarks/RESULTS.md``, "Cross-fitted scores").
    min_coded : int, optional
        Cells with fewer coded documents are not estimable (default
        ``correction.DEFAULT_MIN_CODED``, 10).
    near_duplicates : DataFrame, optional
        With ``coded``: the near-duplicate cluster report
        (``drop_near_duplicates_result(...).clusters``: ``doc_id,
        is_representative``), so coded documents dropped as near-duplicates
        are told apart from ids that are not in the corpus.

    Returns
    -------
    DataFrame
        One row per (period, [by], theme), periods in order:
        ``period`` (``"2024-11"``, ``"2024Q4"``, ``"2024"``), ``period_start``
        (Timestamp), the ``by`` column(s), ``theme``, ``n_articles``,
        ``n_present``, ``share``, ``share_lo``, ``share_hi``, ``mean_per_1k``,
        ``per_1k_lo``, ``per_1k_hi``, ``low_n``. Empty periods have
        ``n_articles == 0`` and NaN shares; with fewer than 2 articles the
        interval is NaN. Intervals always contain the point estimate.
        ``attrs``: ``excluded`` (counts by reason: ``year``, ``unknown``,
        ``unparseable``), ``freq``, ``level``, ``n_boot``, ``random_state``,
        ``n_documents``, ``n_placed``.

    Examples
    --------
    >>> import pandas as pd
    >>> articles = pd.DataFrame({"doc_id": ["a", "b", "c"],
    ...     "published": ["2024-01-05", "2024-02-01", "2024"],
    ...     "date_precision": ["day", "day", "year"]})
    >>> scores = pd.DataFrame({"doc_id": ["a", "b", "c"], "theme": "conduct",
    ...     "present": [True, False, True], "per_1k": [3.0, 0.0, 5.0]})
    >>> t = theme_trends(scores, articles, freq="M", n_boot=100)
    >>> t["share"].tolist(), t.attrs["excluded"]
    ([1.0, 0.0], {'year': 1})
    """
    where = "theme_trends"
    by_cols = _common_checks(articles, freq, level, n_boot, min_articles, smooth, by, where)
    _check_columns(scores, ["doc_id", "theme", "present", "per_1k"], "scores", where,
                   "pass the table score_themes returns (docs/pipeline.md section 3)")
    names, values = _theme_values(scores, articles, where)
    assigned = assign_periods(articles, freq)
    out = _trend_table(values, names, assigned, articles, freq=freq, by=by_cols, level=level,
                       n_boot=int(n_boot), min_articles=int(min_articles),
                       random_state=random_state, smooth=smooth, kind="theme")
    if coded is None:
        return out
    return _with_correction(out, scores, articles, assigned, by_cols, names, coded,
                            pooled=pooled, measure=measure, level=level, min_coded=min_coded,
                            near_duplicates=near_duplicates)


def _machine_measure(scores: pd.DataFrame, articles: pd.DataFrame, names: list[str],
                     measure: str, where: str) -> pd.DataFrame:
    """doc_id x theme table of the machine measure in [0, 1] (0 for a missing row)."""
    ids = articles["doc_id"].astype(str)
    sc = scores[_isin(scores["doc_id"].astype(str), ids)]
    cols = {t: measure.format(theme=t) if "{theme}" in measure else measure for t in names}
    missing = sorted({c for c in cols.values() if c not in sc.columns})
    if missing:
        raise TrendError(f"{where}: measure={measure!r} names column(s) {missing} that scores "
                         f"does not have; use 'present' or a probability column of scores")
    wide = {}
    for t in names:
        part = sc[sc["theme"].astype(str) == t]
        vals = part[cols[t]]
        if measure == "p_model" and len(vals) and vals.isna().all() and "present" in part:
            vals = part["present"]  # a theme the model does not score: its `present` reading
        try:
            vals = vals.astype(float) if vals.dtype != bool else vals.astype(float)
        except (ValueError, TypeError):
            raise TrendError(f"{where}: scores column {cols[t]!r} must hold numbers in [0, 1] "
                             f"(or booleans)") from None
        if vals.isna().any() or (vals < 0).any() or (vals > 1).any():
            raise TrendError(f"{where}: scores column {cols[t]!r} has values outside [0, 1] "
                             f"(or missing) for theme {t!r}; the machine measure must be 0/1 "
                             f"or a probability")
        wide[t] = pd.Series(vals.to_numpy(), index=part["doc_id"].astype(str).to_numpy())
    return pd.DataFrame({t: w.reindex(ids.to_numpy()).fillna(0.0) for t, w in wide.items()},
                        index=pd.Index(ids.to_numpy(), name="doc_id"))


def _with_correction(out: pd.DataFrame, scores: pd.DataFrame, articles: pd.DataFrame,
                     assigned: pd.DataFrame, by: list[str], names: list[str], coded: Any, *,
                     pooled: bool, measure: str, level: float,
                     min_coded: int | None,
                     near_duplicates: pd.DataFrame | None = None) -> pd.DataFrame:
    """``out`` with the corrected-share columns of :mod:`civictext.trends.correction`."""
    from civictext.errors import ValidationError
    from civictext.themes.validation import read_coded
    from civictext.trends.correction import (
        CELL_METHOD,
        CORRECTED_COLUMNS,
        DEFAULT_MIN_CODED,
        POOLED_ASSUMPTION,
        POOLED_METHOD,
        corrected_shares,
    )

    where = "theme_trends(coded=...)"
    min_coded = DEFAULT_MIN_CODED if min_coded is None else min_coded
    if isinstance(min_coded, bool) or not isinstance(min_coded, (int, np.integer)) or \
            min_coded < 2:
        raise TrendError(f"{where}: min_coded must be an integer >= 2; got {min_coded!r}")
    try:
        long = read_coded(coded, themes=names)
    except ValidationError as exc:
        raise TrendError(f"{where}: {exc}") from None
    ids = articles["doc_id"].astype(str)
    known = _isin(long["doc_id"], ids)
    dropped_ids: set[str] = set()
    nd = near_duplicates if near_duplicates is not None else articles.attrs.get("near_duplicates")
    if isinstance(nd, pd.DataFrame) and {"doc_id", "is_representative"} <= set(nd.columns):
        dropped_ids = set(nd.loc[~nd["is_representative"].astype(bool), "doc_id"].astype(str))
    is_dup = long["doc_id"].isin(dropped_ids).to_numpy() & ~known
    unknown = ~known & ~is_dup
    if unknown.any():
        bad = long.loc[unknown, "doc_id"].drop_duplicates()
        raise TrendError(f"{where}: {len(bad)} coded doc_id(s) are not in the articles table "
                         f"(e.g. {bad.iloc[0]!r}); code documents of this corpus, or check "
                         f"that the sheet was drawn from the same articles (ids must match)")
    n_dup = int(long.loc[is_dup, "doc_id"].nunique())
    if n_dup:
        warnings.warn(f"{where}: {n_dup} coded document(s) were dropped as near-duplicates "
                      f"(e.g. {long.loc[is_dup, 'doc_id'].iloc[0]!r}); they are left out of the "
                      f"correction (the rest remain a probability sample of the kept "
                      f"documents)", CivictextWarning, stacklevel=3)
    long = long[known]
    uncoded = [t for t in names if t not in set(long["theme"])]
    if uncoded:
        warnings.warn(f"{where}: theme(s) {uncoded} are coded for none of the documents; their "
                      f"corrected shares are not estimable (see corrected_note)",
                      CivictextWarning, stacklevel=3)
    machine = _machine_measure(scores, articles, names, measure, "theme_trends")
    check = _model_check(scores, long, names, measure, where, articles)
    keys = _group_keys(articles, by).to_numpy()
    period = assigned["period"].to_numpy()
    cells = pd.Series([(*k, p) if p is not None else None for k, p in zip(keys, period)],
                      index=machine.index, dtype=object)
    placed_ids = set(machine.index[[c is not None for c in cells]])
    table = corrected_shares(machine, cells, long, level=level, min_coded=int(min_coded),
                             pooled=pooled)
    tests = table.attrs.get("pooled_test", {})
    rejected = sorted(t for t, r in tests.items() if r["rejected"])
    if rejected:
        warnings.warn(f"{where}: pooled=True, but the machine's error rates differ across cells "
                      f"for theme(s) {rejected} ({tests[rejected[0]]['note']}); the intervals "
                      f"include that between-cell variance, and per-cell correction "
                      f"(pooled=False) is the estimate to report", CivictextWarning,
                      stacklevel=3)
    parts = pd.DataFrame(table["cell"].tolist(), columns=[*by, "period"], index=table.index)
    table = pd.concat([parts, table.drop(columns="cell")], axis=1)
    merged = out.merge(table, on=["period", *by, "theme"], how="left", validate="1:1")
    empty = merged["n_coded"].isna()
    merged.loc[empty, "n_coded"] = 0
    merged["n_coded"] = merged["n_coded"].astype("int64")
    merged.loc[empty, "correction"] = (f"{POOLED_METHOD}: {POOLED_ASSUMPTION}" if pooled
                                       else CELL_METHOD)
    merged.loc[empty, "corrected_note"] = "no articles"
    blocked = merged["theme"].isin(list(check["in_sample"])).to_numpy() & ~empty.to_numpy()
    if blocked.any():  # never a number from codes the model was fitted on
        merged.loc[blocked, ["share_corrected", "corrected_lo", "corrected_hi",
                             "corrected_se"]] = np.nan
        merged.loc[blocked, "corrected_note"] = merged.loc[blocked, "theme"].map(
            check["notes"])
    merged.attrs = dict(out.attrs)
    merged.attrs["correction"] = {
        "method": "pooled" if pooled else "per cell", "measure": measure,
        "min_coded": int(min_coded), "level": level,
        "coded_documents": int(long["doc_id"].nunique()),
        "coded_rows": int(len(long)),
        "coded_documents_in_cells": int(long["doc_id"].isin(placed_ids).groupby(
            long["doc_id"]).first().sum()) if len(long) else 0,
        "coded_dropped_as_duplicates": n_dup,
        "themes_not_coded": uncoded,
        "assumption": POOLED_ASSUMPTION if pooled else "",
        **({"pooled_test": tests} if pooled else {}),
        "machine_measure": {**{k: check[k] for k in ("source", "cross_fit", "in_sample",
                                                     "unchecked", "note")},
                            # what the training-record check matched on ("text" or "id")
                            **({"training_key": check["training_key"]}
                               if check["training_key"] else {})},
    }
    return merged[[*out.columns, *CORRECTED_COLUMNS]]


#: What to do when the theme model behind the measure has seen the coded documents.
IN_SAMPLE_FIX = ("use cross-fitted scores (ct.cross_fit_scores(articles, coded), or civictext "
                 "run/trends/figures --cross-fit 5) or a coded sample the model was not fitted "
                 "on")


def _model_check(scores: pd.DataFrame, long: pd.DataFrame, names: list[str], measure: str,
                 where: str, articles: pd.DataFrame | None = None) -> dict[str, Any]:
    """Whether the machine measure of each theme comes from a theme model fitted on
    any of the coded documents (``scores.attrs["theme_model"]``, set by
    ``score_themes`` and ``cross_fit_scores``).

    The corrected share needs a measure that does not depend on the coded
    documents' own codes (civictext.themes.crossfit). A coded document counts
    as seen when its text (``articles["text"]``) is a training document's text
    (the model's record keys on texts), else, for a record of ids only or an
    articles table without ``text``, when its id is a training id. Returns
    ``source`` ("theme model", "cross-fitted theme model", "no theme model" or
    "unknown"), ``cross_fit`` (its folds, or None), ``in_sample`` (theme ->
    coded documents the model was fitted on; those themes are not estimable),
    ``unchecked`` (themes from a model that does not record its training
    documents), ``training_key`` ("text", "id" or None: what the check matched
    on), ``note`` and ``notes`` (per blocked theme, its ``corrected_note``);
    warns for ``in_sample`` and ``unchecked``.
    """
    from civictext.themes.crossfit import training_key, training_overlap

    prov = scores.attrs.get("theme_model")
    res: dict[str, Any] = {"source": "no theme model", "cross_fit": None, "in_sample": {},
                           "unchecked": [], "note": "", "notes": {}, "training_key": None}
    if not isinstance(prov, dict):
        if "p_model" in scores.columns or "present_model" in scores.columns:
            res["source"] = "unknown"
            res["note"] = ("scores carry theme-model columns but not the model's record (a "
                           "table read back from a file?): whether the model was fitted on "
                           "coded documents is not checked")
        return res
    dep = (prov.get("present_from_model", []) if measure == "present" else
           prov.get("model_themes", []) if measure in ("p_model", "present_model") else [])
    dep = [t for t in names if t in set(dep)]
    if prov.get("cross_fit"):
        res.update(source="cross-fitted theme model", cross_fit=prov["cross_fit"],
                   note=f"cross-fitted scores ({prov['cross_fit'].get('folds')} folds): no "
                        f"document was scored by a model fitted on its own code")
        return res
    if not dep:
        return res
    res["source"] = "theme model"
    key = training_key(prov.get("training"))
    if key is None:  # no record (or not one civictext wrote)
        res["unchecked"] = dep
        res["note"] = (f"the theme model behind the measure of {dep} does not record the "
                       f"documents it was fitted on (a model saved before civictext recorded "
                       f"them); if it was fitted on any of the coded documents, the corrected "
                       f"shares are biased toward the raw share and their intervals too "
                       f"narrow: {IN_SAMPLE_FIX}")
        warnings.warn(f"{where}: {res['note']}", CivictextWarning, stacklevel=4)
        return res
    text_of = None
    if key == "text" and articles is not None and "text" in articles.columns:
        coded_ids = long["doc_id"].astype(str).drop_duplicates()
        arts = articles[_isin(articles["doc_id"].astype(str), coded_ids)]
        text_of = pd.Series(arts["text"].to_numpy(), index=arts["doc_id"].astype(str).to_numpy())
    elif key == "text":
        key = "id"  # no texts to compare: the record's ids
    res["training_key"] = key
    how = {"text": "same text as a training document",
           "id": "same id as a training document"}[key]
    if key == "id":
        why = ("the model's record holds ids only (a model saved before civictext recorded "
               "its training texts)" if "text_hashes" not in prov["training"] else
               "the articles table has no text column")
        how += (f"; {why}, so a document of another corpus whose id equals a training id "
                f"counts as seen even if its text differs: if yours are other documents, "
                f"rename their ids or refit the model with this civictext")
    for t in dep:
        ids = long.loc[long["theme"] == t, "doc_id"].astype(str).drop_duplicates()
        texts = None if text_of is None else text_of.reindex(ids.to_numpy()).tolist()
        seen = training_overlap(prov["training"], ids, texts) or []
        if seen:
            n = int(ids.nunique())
            res["in_sample"][t] = len(seen)
            res["notes"][t] = (f"not estimable: the measure comes from a theme model fitted on "
                               f"{len(seen)} of the {n} coded documents of theme {t!r} (e.g. "
                               f"{seen[0]!r}: {how}); in-sample residuals are too small, so "
                               f"the correction would be pulled toward the raw share and its "
                               f"interval too narrow; {IN_SAMPLE_FIX}")
    if res["in_sample"]:
        first = next(iter(res["in_sample"]))
        res["note"] = (f"corrected shares of {sorted(res['in_sample'])} not estimable: "
                       + res["notes"][first].removeprefix("not estimable: "))
        warnings.warn(f"{where}: {res['note']}", CivictextWarning, stacklevel=4)
    return res


def _isin(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Boolean mask of ``a`` values found in ``b`` (hash-based, fast on any string dtype)."""
    return pd.Series(a.to_numpy(dtype=object), dtype=object).isin(
        pd.Series(b.to_numpy(dtype=object), dtype=object)).to_numpy()


def _positions(values: pd.Series, ids: pd.Series) -> np.ndarray | None:
    """Position in ``ids`` (unique, no missing value) of each of ``values`` (-1: not there).

    Looked up once per distinct value (``pd.factorize``), so a long table of
    repeated ids (``doc_topics``) costs two integer arrays, not an object copy
    of every id. None when either side has a missing value (the callers then
    take their pivot, whose handling of missing ids is theirs).
    """
    if values.isna().any() or ids.isna().any():
        return None
    codes, uniques = pd.factorize(values)
    return pd.Index(ids).get_indexer(uniques)[codes] if len(codes) else \
        np.empty(0, dtype=np.intp)


def _one_per_cell(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> bool:
    """True when no (row, col) pair occurs twice."""
    if not len(rows):
        return True
    return int(np.bincount(rows * n_cols + cols).max()) <= 1


def _theme_values(scores: pd.DataFrame, articles: pd.DataFrame,
                  where: str) -> tuple[list[str], np.ndarray]:
    """The themes (sorted) and an (articles x 2 themes) array: for theme ``j``,
    ``present`` (0/1) in column ``2j`` and ``per_1k`` in ``2j + 1``; 0 for a
    missing (document, theme) row and for a missing ``per_1k``.

    Filled by position from the scores' own columns (no pivot, no copy of the
    scores when they are the articles' own); the same numbers as
    :func:`_theme_wide` (``tests/test_trends.py::test_theme_values_equal_the_pivot``),
    which is still used when an id or theme is missing.
    """
    ids = articles["doc_id"].astype(str)
    score_ids = scores["doc_id"].astype(str)
    theme = scores["theme"].astype(str)
    pos = _positions(score_ids, ids) if not theme.isna().any() else None
    if pos is None:
        wide = _theme_wide(scores, articles, where)
        names = sorted({n for _, n in wide.columns})
        cols = [(b, nm) for nm in names for b in ("present", "per_1k")]
        return names, (wide[cols].to_numpy(dtype=float) if len(wide)
                       else np.empty((0, len(cols))))
    keep = pos >= 0
    whole = bool(keep.all())
    covered = np.zeros(len(ids), dtype=bool)
    covered[pos[keep]] = True
    if len(scores) and not covered.all():
        missing = ids[~covered]
        raise TrendError(f"{where}: scores has no rows for {len(missing)} of the {len(ids)} "
                         f"articles (e.g. doc_id {missing.iloc[0]!r}); compute scores from "
                         f"the same articles table (score_themes(articles))")
    sc = scores if whole else scores[keep]
    try:
        present = sc["present"].astype(bool).to_numpy(dtype=float)
        per_1k = pd.to_numeric(sc["per_1k"], errors="raise").astype(float).to_numpy()
    except (ValueError, TypeError) as exc:
        raise TrendError(f"{where}: scores 'present' must be booleans and 'per_1k' numbers "
                         f"({exc})") from None
    codes, uniques = pd.factorize(theme)
    if not whole:
        pos, codes = pos[keep], codes[keep]
    used = np.unique(codes)
    names = sorted(str(uniques[u]) for u in used)
    rank = np.zeros(len(uniques), dtype=np.intp)
    rank[used] = [names.index(str(uniques[u])) for u in used]
    col = rank[codes]
    if not _one_per_cell(pos, col, len(names)):
        raise TrendError(f"{where}: scores has more than one row for some (doc_id, theme); "
                         f"pass one row per document and theme")
    values = np.zeros((len(ids), 2 * len(names)))
    values[pos, 2 * col] = present
    values[pos, 2 * col + 1] = np.where(np.isnan(per_1k), 0.0, per_1k)
    return names, values


def _theme_wide(scores: pd.DataFrame, articles: pd.DataFrame, where: str) -> pd.DataFrame:
    ids = articles["doc_id"].astype(str)
    score_ids = scores["doc_id"].astype(str)
    keep = _isin(score_ids, ids)
    sc = scores[keep]
    missing = ids[~_isin(ids, score_ids[keep])]
    if len(missing) and len(scores):
        raise TrendError(f"{where}: scores has no rows for {len(missing)} of the {len(ids)} "
                         f"articles (e.g. doc_id {missing.iloc[0]!r}); compute scores from "
                         f"the same articles table (score_themes(articles))")
    try:
        present = sc["present"].astype(bool)
        per_1k = pd.to_numeric(sc["per_1k"], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise TrendError(f"{where}: scores 'present' must be booleans and 'per_1k' numbers "
                         f"({exc})") from None
    long = pd.DataFrame({"doc_id": score_ids[keep].to_numpy(),
                         "theme": sc["theme"].astype(str).to_numpy(),
                         "present": present.to_numpy(dtype=float),
                         "per_1k": per_1k.to_numpy()})
    if long.duplicated(["doc_id", "theme"]).any():
        raise TrendError(f"{where}: scores has more than one row for some (doc_id, theme); "
                         f"pass one row per document and theme")
    wide = long.pivot(index="doc_id", columns="theme", values=["present", "per_1k"])
    wide = wide.reindex(ids.to_numpy()).fillna(0.0)
    wide.index = articles.index
    return wide


def topic_trends(
    model_or_doc_topics: Any,
    articles: pd.DataFrame,
    *,
    freq: str = "M",
    by: str | Sequence[str] | None = None,
    level: float = DEFAULT_CI_LEVEL,
    n_boot: int = DEFAULT_N_BOOT,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    smooth: int | None = None,
) -> pd.DataFrame:
    """Mean document-topic weight per period (and group), with bootstrap intervals.

    Parameters
    ----------
    model_or_doc_topics : TopicModel or DataFrame
        A fitted model (its ``doc_topics`` is used) or the long table
        ``doc_id, topic, weight``. A (doc, topic) pair without a row has weight
        0; articles with no row at all were not modelled and are excluded,
        counted as ``attrs["excluded"]["no_topic_weights"]``.
    articles, freq, by, level, n_boot, min_articles, random_state, smooth
        As in :func:`theme_trends`.

    Returns
    -------
    DataFrame
        One row per (period, [by], topic): ``period``, ``period_start``, the
        ``by`` column(s), ``topic``, ``n_articles``, ``mean_weight``,
        ``weight_lo``, ``weight_hi``, ``low_n`` (plus ``mean_weight_smooth``,
        ``weight_smooth_lo``, ``weight_smooth_hi``, ``n_articles_window`` with
        ``smooth``). ``attrs`` as in :func:`theme_trends`.

    Examples
    --------
    >>> import pandas as pd
    >>> articles = pd.DataFrame({"doc_id": ["a", "b"], "published": ["2020", "2021"]})
    >>> dt = pd.DataFrame({"doc_id": ["a", "a", "b"], "topic": [0, 1, 0],
    ...                    "weight": [0.25, 0.75, 1.0]})
    >>> topic_trends(dt, articles, freq="Y", n_boot=50)["mean_weight"].tolist()
    [0.25, 0.75, 1.0, 0.0]
    """
    where = "topic_trends"
    by_cols = _common_checks(articles, freq, level, n_boot, min_articles, smooth, by, where)
    dt = getattr(model_or_doc_topics, "doc_topics", model_or_doc_topics)
    _check_columns(dt, ["doc_id", "topic", "weight"], "doc_topics", where,
                   "pass TopicModel.doc_topics or a fitted TopicModel")
    ids = articles["doc_id"].astype(str)
    found = _topic_values(dt, ids, where)
    if found is None:  # a missing id, topic or weight, or a repeated pair: the pivot's sums
        dt = dt[_isin(dt["doc_id"].astype(str), ids)]
        weight = _topic_weights(dt["weight"], where)
        long = pd.DataFrame({"doc_id": dt["doc_id"].astype(str).to_numpy(),
                             "topic": dt["topic"].to_numpy(), "weight": weight.to_numpy()})
        wide = long.pivot_table(index="doc_id", columns="topic", values="weight",
                                aggfunc="sum")
        del long
        names = list(wide.columns)
        modelled = _isin(ids, pd.Series(wide.index.astype(str)))
        wide = wide.reindex(ids.to_numpy()).fillna(0.0)
        values = wide[names].to_numpy(dtype=float) if len(wide) else np.empty((0, len(names)))
        del wide
    else:
        names, values, modelled = found
    assigned = assign_periods(articles, freq)
    assigned.loc[~modelled, "period"] = None
    assigned.loc[~modelled, "excluded"] = "no_topic_weights"
    return _trend_table(values, names, assigned, articles, freq=freq, by=by_cols, level=level,
                        n_boot=int(n_boot), min_articles=int(min_articles),
                        random_state=random_state, smooth=smooth, kind="topic")


def _topic_weights(weight: pd.Series, where: str) -> pd.Series:
    """``doc_topics``' weights as floats, or the TrendError that says they must be numbers."""
    try:
        return pd.to_numeric(weight, errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise TrendError(f"{where}: doc_topics 'weight' must be numbers ({exc})") from None


def _topic_values(dt: pd.DataFrame, ids: pd.Series,
                  where: str) -> tuple[list[Any], np.ndarray, np.ndarray] | None:
    """The topics (sorted), the (articles x topics) weights (0 for a missing pair)
    and which articles have a row, filled by position from ``doc_topics``' columns
    (no pivot of its rows, no copy of them when every row is an article's).

    The same numbers as the pivot table ``topic_trends`` used
    (``tests/test_trends.py::test_topic_values_equal_the_pivot``); None, and so
    the pivot, when an id, topic or weight is missing or a (document, topic)
    pair is repeated (the pivot sums repeats).
    """
    if dt["topic"].isna().any():
        return None
    pos = _positions(dt["doc_id"].astype(str), ids)
    if pos is None:
        return None
    keep = pos >= 0
    whole = bool(keep.all())
    sub = dt if whole else dt[keep]
    weight = _topic_weights(sub["weight"], where).to_numpy()
    if np.isnan(weight).any():
        return None
    try:
        codes, uniques = pd.factorize(sub["topic"].to_numpy(), sort=True)
    except TypeError:  # topics that do not sort together: the pivot says so
        return None
    if not whole:
        pos = pos[keep]
    if not _one_per_cell(pos, codes, len(uniques)):
        return None
    values = np.zeros((len(ids), len(uniques)))
    values[pos, codes] = weight + 0.0  # the pivot's sum: 0.0 + w (so -0.0 becomes 0.0)
    modelled = np.zeros(len(ids), dtype=bool)
    modelled[pos] = True
    return list(pd.Index(uniques)), values, modelled


def compare_periods(
    scores: pd.DataFrame,
    articles: pd.DataFrame,
    a: str,
    b: str,
    *,
    by: str | Sequence[str] | None = None,
    level: float = DEFAULT_CI_LEVEL,
    n_boot: int = DEFAULT_N_BOOT,
    random_state: int | None = DEFAULT_RANDOM_STATE,
) -> pd.DataFrame:
    """Change in each theme's share between period ``a`` and period ``b``.

    Works from the article-level tables (not a trends table) because the
    interval needs the articles: both periods are resampled independently
    ``n_boot`` times and the percentile interval of ``share_b - share_a`` is
    reported.

    Parameters
    ----------
    scores, articles : DataFrame
        As in :func:`theme_trends`.
    a, b : str
        Period labels of one frequency: ``"2019"``, ``"2019Q2"`` or ``"2019-05"``.
    by, level, n_boot, random_state
        As in :func:`theme_trends`.

    Returns
    -------
    DataFrame
        One row per ([by], theme): ``period_a``, ``period_b``, the ``by``
        column(s), ``theme``, ``n_a``, ``n_b``, ``share_a``, ``share_b``,
        ``share_diff`` (``share_b - share_a``), ``diff_lo``, ``diff_hi``,
        ``excludes_zero`` (the interval lies wholly above or below 0).
        NaN when either period has no articles; ``attrs["excluded"]`` as in
        :func:`theme_trends`.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"doc_id": list("abcd"),
    ...     "published": ["2019", "2019", "2020", "2020"]})
    >>> sc = pd.DataFrame({"doc_id": list("abcd"), "theme": "reform",
    ...     "present": [False, False, True, True], "per_1k": [0, 0, 2.0, 1.0]})
    >>> compare_periods(sc, arts, "2019", "2020", n_boot=100)["share_diff"].tolist()
    [1.0]
    """
    where = "compare_periods"
    freqs = {_freq_of_label(a, "a"), _freq_of_label(b, "b")}
    if len(freqs) != 1:
        raise TrendError(f"{where}: a={a!r} and b={b!r} are periods of different lengths; "
                         f"give two months, two quarters or two years")
    freq = freqs.pop()
    by_cols = _common_checks(articles, freq, level, n_boot, 0, None, by, where)
    _check_columns(scores, ["doc_id", "theme", "present", "per_1k"], "scores", where,
                   "pass the table score_themes returns (docs/pipeline.md section 3)")
    names, both = _theme_values(scores, articles, where)
    values = np.ascontiguousarray(both[:, 0::2])  # the present columns
    del both
    assigned = assign_periods(articles, freq)
    per = assigned["period"].to_numpy()
    keys = _group_keys(articles, by_cols).to_numpy()
    groups = sorted(set(keys)) if by_cols else [()]
    alpha = (1 - level) / 2
    rows = []
    for g in groups:
        mask = np.array([k == g for k in keys], dtype=bool) if by_cols else np.ones(len(per), bool)
        ia = np.flatnonzero(mask & (per == a))
        ib = np.flatnonzero(mask & (per == b))
        rng = _cell_seed(random_state, ("compare", freq, *g, a, b))
        sa = values[ia].mean(axis=0) if len(ia) else np.full(len(names), np.nan)
        sb = values[ib].mean(axis=0) if len(ib) else np.full(len(names), np.nan)
        diff = sb - sa
        lo = hi = np.full(len(names), np.nan)
        if len(ia) and len(ib) and n_boot > 0:
            ba = values[ia][rng.integers(0, len(ia), size=(n_boot, len(ia)))].mean(axis=1)
            bb = values[ib][rng.integers(0, len(ib), size=(n_boot, len(ib)))].mean(axis=1)
            d = bb - ba
            lo = np.minimum(np.quantile(d, alpha, axis=0), diff)
            hi = np.maximum(np.quantile(d, 1 - alpha, axis=0), diff)
        for j, nm in enumerate(names):
            row = {"period_a": a, "period_b": b, **dict(zip(by_cols, g)), "theme": nm,
                   "n_a": len(ia), "n_b": len(ib), "share_a": sa[j], "share_b": sb[j],
                   "share_diff": diff[j], "diff_lo": lo[j], "diff_hi": hi[j],
                   "excludes_zero": bool(lo[j] > 0 or hi[j] < 0)}
            rows.append(row)
    out = pd.DataFrame(rows, columns=["period_a", "period_b", *by_cols, "theme", "n_a", "n_b",
                                      "share_a", "share_b", "share_diff", "diff_lo", "diff_hi",
                                      "excludes_zero"])
    out.attrs.update(excluded=_excluded_counts(assigned), freq=freq, level=level,
                     n_boot=n_boot, random_state=random_state)
    return out


def _freq_of_label(label: Any, name: str) -> str:
    s = str(label)
    if len(s) == 4 and s.isdigit():
        return "Y"
    if len(s) == 6 and s[:4].isdigit() and s[4] == "Q" and s[5] in "1234":
        return "Q"
    if len(s) == 7 and s[:4].isdigit() and s[4] == "-" and s[5:].isdigit() \
            and 1 <= int(s[5:]) <= 12:
        return "M"
    raise TrendError(f"compare_periods: {name}={label!r} is not a period label; use "
                     f"'2019' (year), '2019Q2' (quarter) or '2019-05' (month)")


# ------------------------------------------------------- tables for the plots
def corpus_volume(articles: pd.DataFrame, *, freq: str = "M",
                  by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Number of articles per period (every period between first and last).

    Returns
    -------
    DataFrame
        ``period``, ``period_start``, the ``by`` column(s), ``n_articles``;
        ``attrs["excluded"]`` counts the articles not placed (by reason) and
        ``attrs["n_documents"]`` all articles.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"doc_id": ["a", "b", "c"], "published": ["2020", "2022", ""]})
    >>> v = corpus_volume(a, freq="Y")
    >>> v["n_articles"].tolist(), v.attrs["excluded"]
    ([1, 0, 1], {'unknown': 1})
    """
    where = "corpus_volume"
    by_cols = _common_checks(articles, freq, 0.9, 0, 0, None, by, where)
    assigned = assign_periods(articles, freq)
    placed = assigned["period"].notna().to_numpy()
    periods = _period_range(assigned.loc[placed, "period"].tolist(), freq)
    keys = _group_keys(articles, by_cols).to_numpy()
    groups = sorted(set(keys[placed])) if by_cols else [()]
    cells = _cell_index(assigned["period"].to_numpy(), placed, keys, periods, groups)
    rows = []
    for gi, g in enumerate(groups):
        for pi, p in enumerate(periods):
            rows.append({"period": str(p), "period_start": p.start_time,
                         **dict(zip(by_cols, g)), "n_articles": len(cells.get((gi, pi), _EMPTY))})
    out = pd.DataFrame(rows, columns=["period", "period_start", *by_cols, "n_articles"])
    out["n_articles"] = out["n_articles"].astype("int64")
    out.attrs.update(excluded=_excluded_counts(assigned), freq=freq,
                     n_documents=len(articles), n_placed=int(placed.sum()))
    return out


def theme_cooccurrence(scores: pd.DataFrame) -> pd.DataFrame:
    """How many documents have each pair of themes present together.

    Returns
    -------
    DataFrame
        Square, index and columns the theme names (sorted); cell (i, j) is the
        number of documents where both themes are present, the diagonal the
        number where the theme is present. ``attrs["n_documents"]`` is the
        number of scored documents.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "theme": ["x", "y"] * 2,
    ...                   "present": [True, True, True, False], "per_1k": 0.0})
    >>> theme_cooccurrence(s).loc["x"].tolist()
    [2, 1]
    """
    _check_columns(scores, ["doc_id", "theme", "present"], "scores", "theme_cooccurrence",
                   "pass the table score_themes returns")
    wide = scores.pivot_table(index="doc_id", columns="theme", values="present",
                              aggfunc="max", fill_value=False).astype(int)
    wide = wide.reindex(sorted(wide.columns), axis=1)
    m = wide.T.to_numpy() @ wide.to_numpy()
    out = pd.DataFrame(m.astype("int64"), index=list(wide.columns), columns=list(wide.columns))
    out.index.name = "theme"
    out.columns.name = None
    out.attrs["n_documents"] = int(scores["doc_id"].nunique())
    return out


def top_terms_by_theme(evidence: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """The ``n`` most frequent lexicon terms per theme in the evidence table.

    Returns
    -------
    DataFrame
        ``theme``, ``rank`` (from 1), ``term``, ``n_hits``, ``n_docs``; ties
        broken by term so the order is stable.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"doc_id": ["a", "a", "b"], "theme": "reform",
    ...                    "term": ["một cửa", "một cửa", "CCHC"]})
    >>> top_terms_by_theme(ev)[["term", "n_hits", "n_docs"]].values.tolist()
    [['một cửa', 2, 1], ['CCHC', 1, 1]]
    """
    _check_columns(evidence, ["doc_id", "theme", "term"], "evidence", "top_terms_by_theme",
                   "pass the table theme_evidence returns")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise TrendError(f"top_terms_by_theme: n must be a positive integer; got {n!r}")
    g = evidence.groupby(["theme", "term"], sort=True).agg(
        n_hits=("doc_id", "size"), n_docs=("doc_id", "nunique")).reset_index()
    g = g.sort_values(["theme", "n_hits", "n_docs", "term"],
                      ascending=[True, False, False, True], kind="mergesort")
    g["rank"] = g.groupby("theme").cumcount() + 1
    g = g[g["rank"] <= n]
    out = g[["theme", "rank", "term", "n_hits", "n_docs"]].reset_index(drop=True)
    return out.astype({"rank": "int64", "n_hits": "int64", "n_docs": "int64"})
