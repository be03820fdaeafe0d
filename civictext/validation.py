"""Validation of theme scores against people: metrics and coding samples.

* :func:`validate` compares ``score_themes``'s ``present`` column with human
  labels and reports precision, recall and F1 per theme, with the counts.
* :func:`sample_for_coding` draws a stratified sample of articles for human
  coding and writes a coding sheet (CSV) plus a key file with the strata.
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
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from civictext._io import write_csv
from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import ValidationError

__all__ = ["validate", "sample_for_coding", "load_labelled_set", "LABELLED_SET",
           "METRIC_COLUMNS", "ValidationError"]

log = logging.getLogger(__name__)

#: The labelled set shipped with civictext.
LABELLED_SET = Path(__file__).resolve().parent / "data" / "labels" / "labelled.csv"

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
        From :func:`~civictext.themes.score_themes` (``doc_id, theme, present``).
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
        Where to write the coding sheet CSV (atomically).

    Returns
    -------
    DataFrame
        One row per sampled document, in sheet order: ``doc_id, title, text``,
        one empty column per theme, ``coder, comment``, then ``stratum``,
        ``stratum_size``, ``n_sampled`` and ``weight`` (stratum_size /
        n_sampled, documents represented by each coded one).

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
    strata = _strata(articles, scores, stratify)
    sizes = strata.value_counts().sort_index()
    alloc = _allocate(sizes, int(n))
    chosen: list[str] = []
    for s, k in alloc.items():
        if k:
            members = np.array(sorted(strata.index[strata.to_numpy() == s]))
            chosen.extend(rng.choice(members, size=int(k), replace=False).tolist())
    order = rng.permutation(len(chosen))
    chosen = [chosen[i] for i in order]
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
    if out is not None:
        write_coding_sheet(sheet, out, themes=themes)
    return sheet


def write_coding_sheet(sheet: pd.DataFrame, out: str | os.PathLike, *,
                       themes: Sequence[str]) -> Path:
    """Write a coding sheet (what coders see) and its key file (strata, weights).

    The sheet ``out`` holds ``doc_id, title, text``, one empty column per theme,
    ``coder, comment``; the key ``<out stem>.key.csv`` holds ``doc_id`` and the
    design columns (``stratum, stratum_size, n_sampled, weight`` and ``pi`` when
    present).
    """
    out = Path(out)
    coder_cols = ["doc_id", "title", "text", *themes, "coder", "comment"]
    write_csv(out, sheet[coder_cols])
    key_cols = [c for c in ("doc_id", "stratum", "stratum_size", "n_sampled", "weight", "pi")
                if c in sheet.columns]
    write_csv(out.with_name(out.stem + ".key.csv"), sheet[key_cols])
    log.info("wrote coding sheet %s (%d documents) and its key file", out, len(sheet))
    return out
