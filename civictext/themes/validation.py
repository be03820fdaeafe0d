"""Validation of theme scores against people: metrics and coding samples.

* :func:`validate` compares ``score_themes``'s ``present`` column with human
  labels and reports precision, recall and F1 per theme, with the counts.
* :func:`sample_for_coding` draws a stratified sample of articles for human
  coding and writes a coding sheet (CSV) plus a key file with the strata;
  ``design="cells"`` draws within period x group cells for corrected shares.
* :func:`write_coding_sheet` writes a sheet as CSV or ``.xlsx`` (every cell a
  string, nothing a spreadsheet program would run as a formula) with its key;
  :func:`read_coded` reads a filled sheet back as ``doc_id, theme, relevant, pi``.
* :func:`load_labelled_set` returns the small labelled set shipped with
  civictext (``civictext/data/labels/labelled.csv``), written for the package.

>>> import pandas as pd
>>> scores = pd.DataFrame({"doc_id": ["a", "b", "c"], "theme": "reform",
...                        "present": [True, True, False]})
>>> labels = pd.DataFrame({"doc_id": ["a", "b", "c"], "reform": [1, 0, 1]})
>>> validate(scores, labels)[["theme", "tp", "fp", "fn", "precision", "recall"]].values.tolist()
[['reform', 1, 1, 1, 0.5, 0.5]]
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from civictext._io import write_csv
from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError, CivictextWarning, ValidationError

__all__ = ["validate", "sample_for_coding", "load_labelled_set", "LABELLED_SET",
           "METRIC_COLUMNS", "ValidationError", "write_coding_sheet", "read_coded",
           "CODED_COLUMNS", "KEY_COLUMNS"]

log = logging.getLogger(__name__)

#: The labelled set shipped with civictext.
LABELLED_SET = Path(__file__).resolve().parents[1] / "data" / "labels" / "labelled.csv"

METRIC_COLUMNS = ["theme", "n", "positives", "predicted", "tp", "fp", "fn", "tn",
                  "precision", "recall", "f1", "precision_w", "recall_w", "f1_w"]

_TRUE = {"1", "true", "yes", "y", "x", "có", "co"}
_FALSE = {"0", "false", "no", "n", "", "không", "khong"}


def load_labelled_set(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The labelled set: one row per paragraph with its human theme labels.

    Parameters
    ----------
    path : path, optional
        Default :data:`LABELLED_SET`.

    Returns
    -------
    DataFrame
        ``doc_id, text`` (as stored: some rows are NFD, some typed without
        diacritics), one 0/1 column per theme (``reform, conduct,
        satisfaction``), ``kind`` (positive / negative / hard), ``form`` (nfc /
        nfd / unaccented), ``note``. Usable directly as an articles table.

    >>> df = load_labelled_set()
    >>> len(df) >= 40, sorted(df["form"].unique())
    (True, ['nfc', 'nfd', 'unaccented'])
    """
    df = pd.read_csv(path or LABELLED_SET, dtype=str, keep_default_na=False)
    for col in ("reform", "conduct", "satisfaction"):
        if col in df.columns:
            df[col] = df[col].astype("int64")
    return df


def _as_bool(series: pd.Series, what: str) -> pd.Series:
    if series.dtype == bool:
        return series
    vals = series.astype(str).str.strip().str.lower()
    bad = ~vals.isin(_TRUE | _FALSE)
    if bad.any():
        raise ValidationError(f"validate: {what} holds {series[bad].iloc[0]!r}; use 1/0, "
                              f"true/false or yes/no")
    return vals.isin(_TRUE)


def _labels_long(labels: Any, themes: Sequence[str]) -> pd.DataFrame:
    """Labels as ``doc_id, theme, label`` (bool), from a wide or long table or a CSV path."""
    if isinstance(labels, (str, os.PathLike)):
        try:
            labels = pd.read_csv(labels, dtype=str, keep_default_na=False)
        except FileNotFoundError:
            raise ValidationError(f"validate: labels file {labels} does not exist") from None
    if not isinstance(labels, pd.DataFrame) or "doc_id" not in labels.columns:
        raise ValidationError("validate: 'labels' must be a DataFrame or CSV with a doc_id "
                              "column and either one 0/1 column per theme or columns "
                              "theme, label")
    if {"theme", "label"} <= set(labels.columns):
        long = labels[["doc_id", "theme", "label"]].copy()
        long["label"] = _as_bool(long["label"], "labels['label']")
    else:
        cols = [t for t in themes if t in labels.columns]
        if not cols:
            raise ValidationError(f"validate: 'labels' has none of the scored themes "
                                  f"{list(themes)} as a column (it has "
                                  f"{list(labels.columns)[:10]})")
        long = labels.melt(id_vars="doc_id", value_vars=cols, var_name="theme",
                           value_name="label")
        long["label"] = _as_bool(long["label"], "a theme column of 'labels'")
    long["doc_id"] = long["doc_id"].astype(str)
    dup = long.duplicated(["doc_id", "theme"])
    if dup.any():
        r = long[dup].iloc[0]
        raise ValidationError(f"validate: 'labels' has two labels for doc_id {r['doc_id']!r}, "
                              f"theme {r['theme']!r}; keep one (adjudicate disagreements first)")
    return long


def validate(scores: pd.DataFrame, labels: pd.DataFrame | str | os.PathLike,
             *, themes: Sequence[str] | None = None,
             weights: pd.Series | pd.DataFrame | str | os.PathLike | None = None) -> pd.DataFrame:
    """Precision, recall and F1 of ``present`` against human labels, per theme.

    Only labelled documents are evaluated; every labelled document must be in
    ``scores``.

    A sample from :func:`sample_for_coding` is stratified: rare patterns are
    over-sampled and the large "none" stratum under-sampled, so the plain
    ratios describe the *sample*, and recall on it is biased upwards (the
    missed articles hide in the under-sampled strata). Pass the sample's
    ``weights`` (its key file) for the corpus-level estimates ``precision_w``,
    ``recall_w`` and ``f1_w``: each coded document counts for the
    ``weight`` documents of its stratum it stands for (ratio estimators of a
    stratified sample).

    Parameters
    ----------
    scores : DataFrame
        From :func:`~civictext.themes.scoring.score_themes` (``doc_id, theme, present``).
    labels : DataFrame or path to a CSV
        Wide (``doc_id`` and one column per theme, values 1/0, true/false,
        yes/no) or long (``doc_id, theme, label``).
    themes : sequence of str, keyword-only, optional
        Themes to report (default: every theme in ``scores`` that has labels).
    weights : Series, DataFrame or path to a CSV, keyword-only, optional
        Sampling weight of each labelled document: a Series indexed by
        ``doc_id``, or a table (or the ``.key.csv`` file written by
        :func:`sample_for_coding`) with ``doc_id`` and ``weight``. Default: 1
        for every document (then the ``_w`` columns equal the plain ones).

    Returns
    -------
    DataFrame
        One row per theme: ``theme, n`` (labelled documents), ``positives``
        (labelled present), ``predicted`` (scored present), ``tp, fp, fn, tn``,
        ``precision`` = tp / (tp + fp), ``recall`` = tp / (tp + fn), ``f1`` (their
        harmonic mean), and ``precision_w, recall_w, f1_w``, the same from
        weighted counts. A ratio with a zero denominator is NaN, not 0.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"doc_id": list("abcd"), "theme": "conduct",
    ...                        "present": [True, True, False, False]})
    >>> labels = pd.DataFrame({"doc_id": list("abcd"), "theme": "conduct",
    ...                        "label": ["yes", "no", "yes", "no"]})
    >>> float(validate(scores, labels)["f1"].iloc[0])
    0.5
    """
    if not isinstance(scores, pd.DataFrame) or not {"doc_id", "theme", "present"} <= set(
            scores.columns):
        raise ValidationError("validate: 'scores' must be the table from score_themes, with "
                              "columns doc_id, theme, present")
    all_themes = list(dict.fromkeys(scores["theme"].astype(str)))
    long = _labels_long(labels, themes or all_themes)
    if themes is not None:
        unknown = [t for t in themes if t not in all_themes]
        if unknown:
            raise ValidationError(f"validate: themes {unknown} are not in 'scores' "
                                  f"(it has {all_themes})")
        long = long[long["theme"].isin(themes)]
    pred = scores.assign(doc_id=scores["doc_id"].astype(str), theme=scores["theme"].astype(str))
    pred = pred.set_index(["doc_id", "theme"])["present"]
    key = pd.MultiIndex.from_frame(long[["doc_id", "theme"]])
    missing = ~key.isin(pred.index)
    if missing.any():
        d, t = key[missing][0]
        raise ValidationError(f"validate: {int(missing.sum())} labelled (doc_id, theme) pairs "
                              f"have no score, e.g. ({d!r}, {t!r}); score the labelled "
                              f"documents with score_themes first")
    long = long.assign(pred=pred.reindex(key).astype(bool).to_numpy(),
                       w=_weights(weights, long["doc_id"]))
    rows = []
    for theme in (themes or [t for t in all_themes if t in set(long["theme"])]):
        g = long[long["theme"] == theme]
        y, p, w = g["label"].to_numpy(bool), g["pred"].to_numpy(bool), g["w"].to_numpy(float)
        tp, fp = int((y & p).sum()), int((~y & p).sum())
        fn, tn = int((y & ~p).sum()), int((~y & ~p).sum())
        prec, rec, f1 = _prf(tp, fp, fn)
        prec_w, rec_w, f1_w = _prf(w[y & p].sum(), w[~y & p].sum(), w[y & ~p].sum())
        rows.append({"theme": theme, "n": len(g), "positives": int(y.sum()),
                     "predicted": int(p.sum()), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                     "precision": prec, "recall": rec, "f1": f1,
                     "precision_w": prec_w, "recall_w": rec_w, "f1_w": f1_w})
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    prec = tp / (tp + fp) if tp + fp else np.nan
    rec = tp / (tp + fn) if tp + fn else np.nan
    f1 = (2 * prec * rec / (prec + rec)) if (prec + rec) > 0 else np.nan
    return prec, rec, f1


def _weights(weights: Any, doc_ids: pd.Series) -> np.ndarray:
    """The weight of each labelled document (1 when ``weights`` is None)."""
    if weights is None:
        return np.ones(len(doc_ids))
    where = "validate: weights"
    if isinstance(weights, (str, os.PathLike)):
        path = Path(weights)
        if not path.is_file():
            raise ValidationError(f"{where}: {path} not found; pass the .key.csv file that "
                                  "sample_for_coding wrote next to the coding sheet")
        weights = pd.read_csv(path, dtype={"doc_id": str})
        where = f"validate: weights file {path}"
    if isinstance(weights, pd.DataFrame):
        if not {"doc_id", "weight"} <= set(weights.columns):
            raise ValidationError(f"{where} needs the columns doc_id and weight (it has "
                                  f"{', '.join(map(str, weights.columns))})")
        weights = pd.Series(weights["weight"].to_numpy(), index=weights["doc_id"].astype(str))
    if not isinstance(weights, pd.Series):
        raise ValidationError(f"{where} must be a Series indexed by doc_id, a table with doc_id "
                              f"and weight, or a path; got {type(weights).__name__}")
    weights = pd.to_numeric(weights, errors="coerce")
    weights.index = weights.index.astype(str)
    got = weights.reindex(doc_ids.astype(str))
    if got.isna().any() or (got <= 0).any():
        bad = doc_ids[got.isna().to_numpy() | (got <= 0).to_numpy()].iloc[0]
        raise ValidationError(f"{where}: no positive weight for labelled document {bad!r}; "
                              "give every coded document its weight (the key file of the "
                              "same coding sheet)")
    return got.to_numpy(dtype=float)


def _strata(articles: pd.DataFrame, scores: pd.DataFrame, stratify: str | None) -> pd.Series:
    ids = articles["doc_id"].astype(str)
    if stratify is None:
        return pd.Series("all", index=ids)
    if stratify == "pattern":
        if not isinstance(scores, pd.DataFrame) or not {"doc_id", "theme", "present"} <= set(
                scores.columns):
            raise ValidationError("sample_for_coding: 'scores' must be the table from "
                                  "score_themes (doc_id, theme, present)")
        sc = scores.assign(doc_id=scores["doc_id"].astype(str))

        def pattern(mask: pd.Series) -> pd.Series:
            return (sc[mask].groupby("doc_id")["theme"]
                    .agg(lambda s: "+".join(sorted(s.astype(str)))).reindex(ids))

        pat = pattern(sc["present"].astype(bool))
        if "mentioned" in sc.columns:  # mentioned only: what the focus rule leaves out
            pat = pat.fillna("mentioned:" + pattern(sc["mentioned"].astype(bool)))
        return pat.fillna("none").set_axis(ids)
    if stratify in articles.columns:
        return articles[stratify].astype(str).fillna("").set_axis(ids)
    raise ValidationError(f"sample_for_coding: stratify={stratify!r} is neither 'pattern', "
                          f"None nor a column of 'articles' ({list(articles.columns)[:10]})")


def _allocate(sizes: pd.Series, n: int) -> pd.Series:
    """Equal allocation across strata, capped by stratum size, leftovers redistributed."""
    alloc = pd.Series(0, index=sizes.index, dtype="int64")
    left = n
    open_ = sizes.index.tolist()
    while left > 0 and open_:
        share, extra = divmod(left, len(open_))
        for i, s in enumerate(open_):
            want = share + (1 if i < extra else 0)
            take = min(want, int(sizes[s] - alloc[s]))
            alloc[s] += take
            left -= take
        open_ = [s for s in open_ if alloc[s] < sizes[s]]
    return alloc


def sample_for_coding(
    articles: pd.DataFrame,
    scores: pd.DataFrame | None,
    n: int,
    *,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    stratify: str | None = "pattern",
    themes: Sequence[str] | None = None,
    out: str | os.PathLike | None = None,
    design: str = "strata",
    freq: str = "M",
    by: str | None = None,
    positive_share: float = 0.5,
) -> pd.DataFrame:
    """Draw a stratified sample of articles for human coding; optionally write the sheet.

    Strata (``stratify``): ``"pattern"`` (default) groups documents by which
    themes the lexicon finds present ("none", "reform", "conduct+reform", …), and
    documents where themes are mentioned but none is present by the focus rule
    ("mentioned:reform", …), so rare themes, what the focus rule leaves out
    (for its recall) and the "none" group are all represented; ``None`` draws a
    simple random sample; any other value names a column of ``articles`` (e.g.
    ``"source"``). The ``n`` documents are divided equally among strata (a
    stratum smaller than its share gives all its documents and the rest goes to
    the others), so estimates must be re-weighted with ``weight``.

    ``design="cells"`` is the design for corrected shares
    (``theme_trends(coded=...)``): strata are the period (at ``freq``) x group
    (the ``by`` column) cells of a trend table, each split into machine
    positives (any theme present) and negatives. The ``n`` documents are
    divided equally among cells, and within a cell ``positive_share`` of them
    go to the positives (over-sampled: they are rarer), the rest to the
    negatives (never only positives: the misses hide there); a stratum too
    small for its share gives all its documents and the rest goes to the
    other. Documents that cannot be placed in a period at ``freq`` (undated,
    or dated only to the year at ``"M"``/``"Q"``) are not sampled (their ``pi``
    is 0) and a warning says how many.

    The coding sheet (``out``) shows coders only ``doc_id``, ``title``,
    ``text`` and empty columns to fill (one per theme, ``coder``, ``comment``),
    in shuffled order, without the machine's decisions, so they cannot anchor
    on them. The strata and weights go to a key file next to it
    (``<out stem>.key.csv``).

    Parameters
    ----------
    articles : DataFrame
        The articles table.
    scores : DataFrame or None
        From score_themes (needed for ``stratify="pattern"`` and the theme list).
    n : int
        Sample size (at most the number of articles).
    random_state : int, keyword-only
        Seed (default ``config.DEFAULT_RANDOM_STATE``); same seed, same sample.
    stratify : str or None, keyword-only
    themes : sequence of str, keyword-only, optional
        Theme columns of the sheet (default: the themes in ``scores``, else the
        three bundled themes).
    out : path, keyword-only, optional
        Where to write the coding sheet (atomically; ``.csv``, or ``.xlsx``
        for spreadsheet programs), with its key file, by
        :func:`write_coding_sheet`.
    design : {"strata", "cells"}, keyword-only
        ``"strata"`` (default): strata from ``stratify``; ``"cells"``: see above.
    freq, by : keyword-only
        For ``design="cells"``: the trend table's frequency (``"M"``, ``"Q"``,
        ``"Y"``) and group column (e.g. ``"source"``, or None).
    positive_share : float, keyword-only
        For ``design="cells"``: share of each cell's draws that go to machine
        positives (default 0.5; strictly between 0 and 1).

    Returns
    -------
    DataFrame
        One row per sampled document, in sheet order: ``doc_id, title, text``,
        one empty column per theme, ``coder, comment``, then ``stratum``,
        ``stratum_size``, ``n_sampled``, ``weight`` (stratum_size /
        n_sampled, documents represented by each coded one) and ``pi``
        (n_sampled / stratum_size, the document's inclusion probability).

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"doc_id": list("abcdef"), "text": list("uvwxyz")})
    >>> sc = pd.DataFrame({"doc_id": list("abcdef"), "theme": "reform",
    ...                    "present": [True, False, False, False, False, False]})
    >>> sheet = sample_for_coding(arts, sc, 3, random_state=1)
    >>> sorted(sheet["stratum"]), "a" in set(sheet["doc_id"])
    (['none', 'none', 'reform'], True)
    """
    if not isinstance(articles, pd.DataFrame) or not {"doc_id", "text"} <= set(articles.columns):
        raise ValidationError("sample_for_coding: 'articles' must be the articles table "
                              "(with doc_id and text)")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValidationError(f"sample_for_coding: n must be a positive integer, got {n!r}")
    if n > len(articles):
        raise ValidationError(f"sample_for_coding: n={n} but 'articles' has only "
                              f"{len(articles)} documents; ask for at most {len(articles)}")
    if themes is None:
        themes = (list(dict.fromkeys(scores["theme"].astype(str)))
                  if isinstance(scores, pd.DataFrame) and "theme" in scores.columns
                  else ["reform", "conduct", "satisfaction"])
    rng = np.random.default_rng(random_state)
    if design == "cells":
        strata, alloc = _cell_strata(articles, scores, int(n), freq, by, positive_share)
        sizes = strata.value_counts().sort_index()
        alloc = alloc.reindex(sizes.index).fillna(0).astype("int64")
    elif design == "strata":
        strata = _strata(articles, scores, stratify)
        sizes = strata.value_counts().sort_index()
        alloc = _allocate(sizes, int(n))
    else:
        raise ValidationError(f"sample_for_coding: design must be 'strata' or 'cells'; got "
                              f"{design!r}")
    chosen: list[str] = []
    for s, k in alloc.items():
        if k:
            members = np.array(sorted(strata.index[strata.to_numpy() == s]))
            chosen.extend(rng.choice(members, size=int(k), replace=False).tolist())
    order = rng.permutation(len(chosen))
    chosen = [chosen[i] for i in order]
    sheet = coding_sheet(articles, chosen, strata, sizes, alloc, themes)
    sheet.attrs["design"] = {"design": design, "n": int(n), "random_state": random_state,
                             **({"freq": freq, "by": by, "positive_share": positive_share}
                                if design == "cells" else {"stratify": stratify})}
    if out is not None:
        write_coding_sheet(sheet, out)
    return sheet


def coding_sheet(articles: pd.DataFrame, chosen: Sequence[str], strata: pd.Series,
                 sizes: pd.Series, alloc: pd.Series, themes: Sequence[str]) -> pd.DataFrame:
    """The coding sheet of a stratified sample drawn by simple random sampling per stratum.

    ``chosen``: doc_ids in sheet order; ``strata``: stratum per doc_id (covering
    ``chosen``); ``sizes`` / ``alloc``: documents in, and drawn from, each stratum.
    Columns ``doc_id, title, text``, an empty column per theme, ``coder, comment``,
    then ``stratum, stratum_size, n_sampled, weight`` (documents each coded one stands
    for) and ``pi`` (its inclusion probability).
    """
    chosen = list(chosen)
    arts = articles.assign(doc_id=articles["doc_id"].astype(str)).set_index("doc_id")
    sheet = pd.DataFrame({"doc_id": chosen})
    sheet["title"] = (arts["title"].reindex(chosen).fillna("").to_numpy()
                      if "title" in arts.columns else "")
    sheet["text"] = arts["text"].reindex(chosen).fillna("").to_numpy()
    for t in themes:
        sheet[t] = ""
    sheet["coder"] = ""
    sheet["comment"] = ""
    st = strata.reindex(chosen).to_numpy()
    sheet["stratum"] = st
    sheet["stratum_size"] = sizes.reindex(st).to_numpy().astype("int64")
    sheet["n_sampled"] = alloc.reindex(st).to_numpy().astype("int64")
    sheet["weight"] = sheet["stratum_size"] / sheet["n_sampled"]
    sheet["pi"] = sheet["n_sampled"] / sheet["stratum_size"]
    return sheet


# ------------------------------------------------------------ cells design
def _cell_strata(articles: pd.DataFrame, scores: Any, n: int, freq: str, by: str | None,
                 positive_share: float) -> tuple[pd.Series, pd.Series]:
    """Strata ``period|group|positive`` (or ``|negative``; ``period|...`` without ``by``)
    and their allocation."""
    from civictext.trends.shares import assign_periods  # a later stage, needed only for this design

    where = "sample_for_coding(design='cells')"
    if not isinstance(scores, pd.DataFrame) or not {"doc_id", "theme", "present"} <= set(
            scores.columns):
        raise ValidationError(f"{where}: 'scores' must be the table from score_themes "
                              "(doc_id, theme, present)")
    if "published" not in articles.columns:
        raise ValidationError(f"{where}: 'articles' needs a published column to place "
                              "documents in periods")
    if by is not None and by not in articles.columns:
        raise ValidationError(f"{where}: by={by!r} is not a column of 'articles' "
                              f"({list(articles.columns)[:10]})")
    if isinstance(positive_share, bool) or not isinstance(positive_share, (int, float)) or \
            not 0 < positive_share < 1:
        raise ValidationError(f"{where}: positive_share must be strictly between 0 and 1 "
                              f"(never only positives, never none); got {positive_share!r}")
    try:
        assigned = assign_periods(articles, freq)
    except CivictextError as exc:
        raise ValidationError(f"{where}: {exc}") from None
    ids = articles["doc_id"].astype(str)
    period = pd.Series(assigned["period"].to_numpy(), index=ids)
    group = (articles[by].astype("object").where(articles[by].notna(), "").astype(str)
             .set_axis(ids) if by else pd.Series("", index=ids))
    sc = scores.assign(doc_id=scores["doc_id"].astype(str))
    pos_ids = set(sc.loc[sc["present"].astype(bool), "doc_id"])
    positive = ids.isin(pos_ids).set_axis(ids)
    placed = period.notna()
    if (~placed).any():
        warnings.warn(f"{where}: {int((~placed).sum())} document(s) cannot be placed in a "
                      f"period at freq={freq!r} (undated or coarser dates); they are not "
                      f"sampled (pi = 0) and corrected shares do not cover them",
                      CivictextWarning, stacklevel=3)
    if not placed.any():
        raise ValidationError(f"{where}: no document can be placed in a period at "
                              f"freq={freq!r}; choose a coarser freq")
    cell = period[placed].astype(str) + ("|" + group[placed] if by else "")
    strata = cell + "|" + np.where(positive[placed], "positive", "negative")
    cell_sizes = cell.value_counts().sort_index()
    cell_alloc = _allocate(cell_sizes, min(n, int(placed.sum())))
    sizes = strata.value_counts()
    alloc = {}
    for c, k in cell_alloc.items():
        npos, nneg = int(sizes.get(f"{c}|positive", 0)), int(sizes.get(f"{c}|negative", 0))
        kp = min(npos, int(round(k * positive_share)))
        kn = min(nneg, k - kp)
        kp = min(npos, k - kn)  # what the negatives could not take goes back
        alloc[f"{c}|positive"], alloc[f"{c}|negative"] = kp, kn
    alloc = pd.Series(alloc, dtype="int64")
    return strata, alloc[alloc.index.isin(sizes.index)]


# ------------------------------------------------------------ coding sheets
#: Columns of the key file written next to a coding sheet.
KEY_COLUMNS = ["doc_id", "stratum", "stratum_size", "n_sampled", "weight", "pi"]
#: Columns of :func:`read_coded`'s result (plus ``stratum``/``corpus`` when known).
CODED_COLUMNS = ["doc_id", "theme", "relevant", "pi"]
_NOT_THEMES = {"doc_id", "title", "text", "coder", "comment", "stratum", "stratum_size",
               "n_sampled", "weight", "pi", "corpus", "notes", "note"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_MAX_CELL = 32767


def _neutralise(value: str) -> str:
    """A cell a spreadsheet would run as a formula, prefixed with ``'`` (CSV only)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def write_coding_sheet(sheet: pd.DataFrame, out: str | os.PathLike) -> tuple[Path, Path]:
    """Write a coding sheet for coders (``.csv`` or ``.xlsx``) and its key file.

    The sheet shows coders ``doc_id``, ``title``, ``text``, one column per theme,
    ``coder`` and ``comment`` (every column of ``sheet`` that is not a key
    column), in ``sheet``'s order; the key (``stratum, stratum_size,
    n_sampled, weight, pi``, whichever ``sheet`` has) goes to
    ``<out stem>.key.csv`` beside it. Both are written atomically.

    Spreadsheet programs run a cell beginning with ``=``, ``+``, ``-`` or ``@``
    as a formula (CSV injection). In ``.xlsx`` every cell is stored as a
    string, so nothing is evaluated and the text is kept exactly (characters
    XML cannot hold are removed; a text over Excel's 32,767-character cell
    limit is cut, with a note). In ``.csv`` such cells get a leading ``'``,
    which spreadsheet programs hide and :func:`read_coded` removes.

    Parameters
    ----------
    sheet : DataFrame
        From :func:`sample_for_coding` (or any table with ``doc_id``).
    out : path
        Ends in ``.csv`` or ``.xlsx``.

    Returns
    -------
    (Path, Path)
        The sheet and the key file.

    >>> import pandas as pd, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> sheet = pd.DataFrame({"doc_id": ["a"], "title": ["=HYPERLINK(1)"], "text": ["x"],
    ...                       "reform": [""], "stratum": ["all"], "pi": [0.5]})
    >>> sheet_path, key_path = write_coding_sheet(sheet, d / "coding.xlsx")
    >>> key_path.name, pd.read_excel(sheet_path, dtype=str)["title"].iloc[0]
    ('coding.key.csv', '=HYPERLINK(1)')
    """
    if not isinstance(sheet, pd.DataFrame) or "doc_id" not in sheet.columns:
        raise ValidationError("write_coding_sheet: 'sheet' must be a DataFrame with a doc_id "
                              "column (the table sample_for_coding returns)")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(f"write_coding_sheet: {out} must end in .csv or .xlsx")
    key_cols = [c for c in KEY_COLUMNS if c in sheet.columns]
    coder_cols = [c for c in sheet.columns if c not in KEY_COLUMNS or c == "doc_id"]
    shown = sheet[coder_cols].astype("object").where(sheet[coder_cols].notna(), "").astype(str)
    if suffix == ".csv":
        write_csv(out, shown.map(_neutralise))
    else:
        _write_xlsx(out, shown)
    key = out.with_name(out.stem + ".key.csv")
    write_csv(key, sheet[key_cols])
    log.info("wrote coding sheet %s (%d documents) and its key file %s", out, len(sheet), key)
    return out, key


def _write_xlsx(out: Path, shown: pd.DataFrame) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from civictext._io import atomic_write

    wb = Workbook()
    ws = wb.active
    ws.title = "coding"
    for r, row in enumerate([list(shown.columns), *shown.itertuples(index=False)], start=1):
        for c, value in enumerate(row, start=1):
            value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            if len(value) > _XLSX_MAX_CELL:
                note = " [... cut at Excel's cell limit; read the full text in the corpus]"
                value = value[:_XLSX_MAX_CELL - len(note)] + note
            cell = ws.cell(row=r, column=c, value=value)
            cell.data_type = "s"  # a string, never a formula
    with atomic_write(out, "wb") as fh:
        wb.save(fh)


def _read_table(path: Path, where: str) -> pd.DataFrame:
    if not path.is_file():
        raise ValidationError(f"{where}: {path} not found")
    try:
        if path.suffix.lower() == ".xlsx":
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{where}: cannot read {path} as a "
                              f"{'spreadsheet' if path.suffix.lower() == '.xlsx' else 'CSV'} "
                              f"table ({exc})") from None


def read_coded(coded: pd.DataFrame | str | os.PathLike,
               key: pd.DataFrame | str | os.PathLike | None = None, *,
               themes: Sequence[str] | None = None) -> pd.DataFrame:
    """A coded sample as the long table ``doc_id, theme, relevant, pi``.

    Reads either a **long** table (``doc_id, theme, relevant`` and ``pi``, as
    issue 15's coded samples are stored) or a filled **coding sheet** (wide:
    ``doc_id`` and one column per theme, as :func:`write_coding_sheet` writes
    it, ``.csv`` or ``.xlsx``). The inclusion probability ``pi`` comes from
    the table itself, else from ``key`` (its ``pi``, or ``1 / weight``), else
    from the key file next to the sheet (``<stem>.key.csv``).

    Parameters
    ----------
    coded : DataFrame or path (.csv or .xlsx)
    key : DataFrame or path, optional
        The key file of the sheet (``doc_id`` and ``pi`` or ``weight``).
    themes : sequence of str, keyword-only, optional
        The themes that may be coded (e.g. those of the scores); another
        theme is an error.

    Returns
    -------
    DataFrame
        ``doc_id`` (str), ``theme`` (str), ``relevant`` (int 0/1), ``pi``
        (float in (0, 1]), plus ``stratum`` and ``corpus`` when known. A row of
        a wide sheet whose theme cells are all empty (not coded yet) is left
        out with a warning; a partly filled row is an error.

    Raises
    ------
    ValidationError
        No label column, a label that is not 0/1 (yes/no, true/false, có/không
        are read too), a missing or out-of-range ``pi``, an unknown theme, or
        two codes for one (doc_id, theme).

    >>> import pandas as pd
    >>> sheet = pd.DataFrame({"doc_id": ["a", "b"], "reform": ["1", "0"],
    ...                       "conduct": ["no", "yes"], "coder": ["T", "T"]})
    >>> key = pd.DataFrame({"doc_id": ["a", "b"], "weight": [2.0, 4.0]})
    >>> read_coded(sheet, key).values.tolist()
    [['a', 'reform', 1, 0.5], ['b', 'reform', 0, 0.25], ['a', 'conduct', 0, 0.5], ['b', 'conduct', 1, 0.25]]
    """
    where = "read_coded"
    path = None
    if isinstance(coded, (str, os.PathLike)):
        path = Path(coded)
        where = f"read_coded: {path}"
        coded = _read_table(path, "read_coded")
    if not isinstance(coded, pd.DataFrame) or "doc_id" not in coded.columns:
        raise ValidationError(f"{where}: the coded sample must be a table with a doc_id column "
                              "and either theme, relevant, pi (long) or one 0/1 column per "
                              "theme (a filled coding sheet)")
    df = coded.astype("object").where(coded.notna(), "")
    df = df.assign(doc_id=df["doc_id"].astype(str).str.strip().map(_unneutralise))
    if "theme" in df.columns or "relevant" in df.columns:
        if not {"theme", "relevant"} <= set(df.columns):
            raise ValidationError(f"{where}: a long coded table needs both theme and relevant "
                                  f"columns (it has {list(df.columns)})")
        long = df.rename(columns={"relevant": "label"})
        long["theme"] = long["theme"].astype(str).str.strip()
    else:
        cols = [c for c in df.columns if str(c) not in _NOT_THEMES]
        if themes is not None:
            unknown = [c for c in cols if c not in themes]
            cols = [c for c in cols if c in themes]
            if unknown:
                log.info("%s: columns %s are not themes; ignored", where, unknown)
        if not cols:
            raise ValidationError(f"{where}: no theme column to read (it has "
                                  f"{list(df.columns)}); a coding sheet needs one 0/1 column "
                                  f"per theme, e.g. reform")
        cells = df[cols].astype(str).apply(lambda s: s.str.strip())
        blank = (cells == "").all(axis=1)
        part = (cells == "").any(axis=1) & ~blank
        if part.any():
            r = df.index[part][0]
            empty = [c for c in cols if cells.loc[r, c] == ""]
            raise ValidationError(f"{where}: doc_id {df.loc[r, 'doc_id']!r} is coded for some "
                                  f"themes but its {empty} cell(s) are empty; fill every theme "
                                  f"cell with 1 or 0 (an empty cell is not read as 0)")
        if blank.any():
            warnings.warn(f"{where}: {int(blank.sum())} row(s) are not coded (every theme cell "
                          f"empty, e.g. doc_id {df.loc[blank, 'doc_id'].iloc[0]!r}); they are "
                          f"left out, which keeps the design valid only if they are missing "
                          f"at random within their stratum", CivictextWarning, stacklevel=2)
        keep_cols = [c for c in ("pi", "weight", "stratum", "corpus") if c in df.columns]
        long = (df[~blank].melt(id_vars=["doc_id", *keep_cols], value_vars=cols,
                                var_name="theme", value_name="label"))
    vals = long["label"].astype(str).str.strip().str.lower().replace({"1.0": "1", "0.0": "0"})
    bad = ~vals.isin(_TRUE | _FALSE) | (vals == "")
    if bad.any():
        r = long[bad].iloc[0]
        raise ValidationError(f"{where}: the code of doc_id {r['doc_id']!r}, theme "
                              f"{r['theme']!r} is {r['label']!r}; use 1 or 0 (yes/no, "
                              f"true/false and có/không are read too)")
    long = long.assign(relevant=vals.isin(_TRUE).astype("int64"))
    if themes is not None:
        unknown = sorted(set(long["theme"]) - set(themes))
        if unknown:
            raise ValidationError(f"{where}: theme(s) {unknown} are coded but not scored "
                                  f"(the scores have {list(themes)}); fix the theme names")
    long["pi"] = _coded_pi(long, key, path, where)
    dup = long.duplicated(["doc_id", "theme"])
    if dup.any():
        r = long[dup].iloc[0]
        raise ValidationError(f"{where}: two codes for doc_id {r['doc_id']!r}, theme "
                              f"{r['theme']!r}; keep one (adjudicate disagreements first)")
    extra = [c for c in ("stratum", "corpus") if c in long.columns]
    return long[[*CODED_COLUMNS, *extra]].reset_index(drop=True)


def _coded_pi(long: pd.DataFrame, key: Any, path: Path | None, where: str) -> pd.Series:
    """The inclusion probability of each coded row (from the table, the key, or 1/weight)."""
    source = "the coded table"
    if "pi" in long.columns and (long["pi"].astype(str).str.strip() != "").any():
        raw = long["pi"]
    else:
        if key is None and path is not None:
            sibling = path.with_name(path.stem + ".key.csv")
            if sibling.is_file():
                key = sibling
        if key is None:
            raise ValidationError(f"{where}: no inclusion probability: give a pi column or "
                                  "the sheet's key file (key=..., the .key.csv that "
                                  "sample_for_coding wrote beside the sheet)")
        if isinstance(key, (str, os.PathLike)):
            source = f"key file {key}"
            key = _read_table(Path(key), where)
        if not isinstance(key, pd.DataFrame) or "doc_id" not in key.columns or not (
                {"pi", "weight"} & set(key.columns)):
            raise ValidationError(f"{where}: the key needs doc_id and pi (or weight) columns")
        source = source if source != "the coded table" else "the key"
        k = key.assign(doc_id=key["doc_id"].astype(str).str.strip())
        if "pi" in k.columns:
            kp = pd.to_numeric(k["pi"], errors="coerce")
        else:
            kp = 1.0 / pd.to_numeric(k["weight"], errors="coerce")
        kp = pd.Series(kp.to_numpy(), index=k["doc_id"])
        kp = kp[~kp.index.duplicated()]
        raw = kp.reindex(long["doc_id"]).to_numpy()
    pi = pd.to_numeric(pd.Series(raw, index=long.index), errors="coerce")
    bad = pi.isna() | ~((pi > 0) & (pi <= 1))
    if bad.any():
        r = long[bad.to_numpy()].iloc[0]
        got = pd.Series(raw, index=long.index)[bad].iloc[0]
        raise ValidationError(f"{where}: doc_id {r['doc_id']!r} has inclusion probability "
                              f"{got!r} in {source}; pi must be a number in (0, 1] (the "
                              f"chance the document had to be coded) for every coded document")
    return pi.astype(float)
