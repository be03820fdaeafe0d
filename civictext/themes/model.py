"""Stage 4b: a supervised theme model, fitted on human codes, beside the lexicon rules.

The lexicons say *which words* are evidence of a theme; whether a document is
*about* the theme (the codebook's "substantial subject", ``docs/codebook.md``)
is learned here from coded documents. One calibrated classifier per theme:

**Features** (one row per document; shape ``(n_docs, n_vocab + 9 * n_themes + 3)``):

* civictext's own tokens (:class:`civictext.text.segmentation.Analyzer`, stop words
  dropped, lexicon phrases kept whole): word unigrams and bigrams, TF-IDF
  (sublinear tf, ``min_df=2``), and the tokens of the headline and lead (the
  title or first sentence, and the next) again as ``h:``-prefixed features. A
  document whose segmentation is given (``read_corpus`` ``segmented`` rows) is
  analysed from its given words throughout, headline and lead included; only
  other documents are segmented (underthesea's CRF);
* the lexicon evidence of every theme (:func:`civictext.score_themes`' own
  columns): mentioned, the focus rule's verdict, headline hit, lead hit,
  ``log1p(hits)``, the score (capped at 10, over 10), ``log1p(sentences_hit)``,
  the share of sentences with a hit, weak-only (hits but score below the
  threshold);
* document length: ``log1p(n_sentences)``, ``log1p(n_tokens)`` (analyzer
  tokens), and whether the document has at most three sentences.

**Classifier.** :class:`sklearn.linear_model.LogisticRegression` (L2, ``C``,
balanced class weights) per theme. **Calibration**: out-of-fold decision values
(stratified k-fold on the training documents) are mapped to probabilities by a
one-dimensional logistic fit weighted by each coded document's design weight
``1 / pi``, so ``p_model`` estimates the probability in the *corpus* the sample
was drawn from, not in the over-sampled coding sample. **Threshold**: the one
that maximises the design-weighted F1 of the out-of-fold probabilities.

**Evaluation.** :func:`cross_validate_measures` holds out one corpus at a time
(the model is fitted, calibrated and thresholded on the others) and scores the
model, the focus rule and the mention rule on the same held-out documents,
design-weighted, with stratified-bootstrap intervals.

**Files.** :meth:`ThemeModel.save` writes a folder: ``model.skops`` (the
classifiers and the idf weights, in skops' format, which loads only allow-listed
types and never runs code from the file), ``vocabulary.json`` (the TF-IDF terms
in column order: the vectorizer is rebuilt from them and the settings in
``model.json``, which loads in a fraction of a second where skops' own encoding
of a 40,000-term dictionary took ten), ``model.json`` (themes, thresholds, the
feature specification, the training summary, the cross-validated figures,
versions, the SHA-256 of every file) and ``MODEL_CARD.md``; beside them
``model_arrays.npz`` holds the same idf weights and the classifiers' attributes as
plain arrays (read with ``allow_pickle=False``) and the SHA-256 of the
``model.skops`` it mirrors. :func:`load_theme_model` checks the checksums; it
builds the classifiers from ``model_arrays.npz`` when that mirrors this
``model.skops`` (no :mod:`skops.io` import: seconds saved on every load), else
reads ``model.skops``, refusing any type outside :data:`TRUSTED_TYPES`.

>>> import pandas as pd
>>> from civictext.themes.validation import load_labelled_set
>>> lab = load_labelled_set()
>>> m = fit_theme_model(lab, lab, random_state=0)
>>> sorted(m.themes), 0.0 < m.thresholds["reform"] < 1.0
(['conduct', 'reform', 'satisfaction'], True)
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from civictext._io import atomic_write, write_text
from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import ModelError, ParameterError
from civictext.ingest.reader import check_articles
from civictext.themes.lexicon import Lexicon
from civictext.themes.scoring import (
    DEFAULT_OPERATING_POINT,
    OPERATING_POINTS,
    check_operating_point,
)

__all__ = ["ThemeModel", "fit_theme_model", "load_theme_model", "cross_validate_measures",
           "next_to_code", "coded_long", "apply_model", "DEFAULT_MODEL_DIR", "TRUSTED_TYPES",
           "MIN_POSITIVES", "CV_COLUMNS", "GRID", "OPERATING_POINTS", "DEFAULT_OPERATING_POINT",
           "DEFAULT_PRECISION_TARGET", "MIN_POINT_POSITIVES", "check_operating_point",
           "AUTO_MEASURES", "SHORT_MAX_TOKENS", "choose_auto_measures"]

log = logging.getLogger(__name__)

#: The model shipped with civictext (trained on the coded real sample).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models" / "theme_model"
#: The types a civictext theme-model file may contain; anything else is refused.
TRUSTED_TYPES = [
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float64",
    "numpy.int64",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.float",
    "builtins.int",
]
#: Fewest positive (and negative) coded documents a theme needs to be fitted.
MIN_POSITIVES = 8
#: Out-of-fold design-weighted precision the "precision" operating point aims at.
DEFAULT_PRECISION_TARGET = 0.85
#: Fewest coded positives at or above a "precision" threshold (so that it is not set
#: on one or two documents' probabilities).
MIN_POINT_POSITIVES = 3
#: The measures the "auto" reading can use for a theme, per length class.
AUTO_MEASURES = ("model", "focus", "mention")
#: Documents of at most this many tokens (``n_tokens``) are "short" for the "auto"
#: reading: a news-feed item's title and summary or a paragraph, not a full article.
#: Set from the coded sample's lengths (RESULTS.md, "Short texts"): every coded news-feed
#: item has 18-68 tokens, the bundled paragraphs 14-29; full articles' 1st percentile
#: is 79-156 tokens per corpus.
SHORT_MAX_TOKENS = 100
#: Fewest coded short positives of a theme (in the held-out predictions) for the
#: short class to get its own measure; with fewer it uses the long class's.
MIN_SHORT_POSITIVES = 5
#: Columns of :func:`cross_validate_measures`.
CV_COLUMNS = ["measure", "theme", "heldout", "n", "positives_w", "predicted_w", "precision_w",
              "precision_lo", "precision_hi", "recall_w", "recall_lo", "recall_hi", "f1_w",
              "f1_lo", "f1_hi", "tp", "fp", "fn"]
_LEX_FEATURES = ["mentioned", "focus", "headline_hit", "lead_hit", "log_hits", "score10",
                 "log_sent_hit", "share_sent_hit", "weak_only"]
_FORMAT = "civictext-theme-model"
_FORMAT_VERSION = 2
# the vectorizer settings a model file records (format 2): it is rebuilt from them, its
# vocabulary (vocabulary.json) and its idf weights, not unpickled
_VEC_PARAMS = ("token_pattern", "lowercase", "ngram_range", "sublinear_tf", "norm", "use_idf",
               "smooth_idf")
#: The classifiers and idf weights as plain arrays, beside ``model.skops`` (same values).
_ARRAYS_FILE = "model_arrays.npz"


# --------------------------------------------------------------------------- coded input

def coded_long(coded: Any, themes: Sequence[str] | None = None, *,
               where: str = "fit_theme_model") -> pd.DataFrame:
    """Coded documents as a long table ``doc_id, theme, relevant, pi`` (+ ``group``, ``stratum``).

    Read by :func:`civictext.themes.validation.read_coded`: a long table (``doc_id,
    theme, relevant, pi``), a filled coding sheet (``.csv``/``.xlsx`` with its
    key file) or a wide table (``doc_id`` and a 0/1 column per theme). A table
    without ``pi`` or ``weight`` (such as the bundled labelled set) counts every
    document once (``pi = 1``). The ``corpus`` column becomes ``group``, the unit
    :func:`cross_validate_measures` holds out.
    """
    from civictext.errors import ValidationError
    from civictext.themes.validation import read_coded

    if isinstance(coded, pd.DataFrame) and not {"pi", "weight"} & set(coded.columns):
        coded = coded.assign(pi=1.0)
    try:
        long = read_coded(coded, themes=themes)
    except ValidationError as exc:
        raise ModelError(f"{where}: {exc}") from None
    return long.rename(columns={"corpus": "group"})


# --------------------------------------------------------------------------- features

def _lexicon(lexicon: Lexicon | None) -> Lexicon:
    from civictext.themes.scoring import _resolve_lexicon

    return _resolve_lexicon(lexicon)


def _head_spans(articles: pd.DataFrame) -> list[list[tuple[int, int]]]:
    """Per document, the character spans of its headline and lead in ``text``: the
    title (when the text starts with it) or the first sentence, and the sentence
    after it."""
    from civictext.themes.scoring import _codes, _iter_sentences

    out = []
    titles = (articles["title"].fillna("").astype(str).tolist() if "title" in articles.columns
              else [""] * len(articles))
    for title, text in zip(titles, articles["text"].fillna("").astype(str).tolist()):
        # the sentences of split_sentences(text), only as many as needed
        sents = _iter_sentences(text, _codes(text))
        title = title.strip()
        if title and text.startswith(title):
            rest = next(((a, b) for a, b in sents if a >= len(title)), None)
            out.append([(0, len(title))] + ([rest] if rest else []))
        else:
            out.append(list(islice(sents, 2)))
    return out


def _headlines(articles: pd.DataFrame) -> list[str]:
    """Per document, its headline and lead (:func:`_head_spans`), one line each."""
    texts = articles["text"].fillna("").astype(str).tolist()
    return ["\n".join(t[a:b] for a, b in sp) for t, sp in zip(texts, _head_spans(articles))]


def _heads_and_givens(articles: pd.DataFrame, texts: list[str], givens: list[str | None]
                      ) -> tuple[list[str], list[str | None]]:
    """:func:`_headlines`, and per document whose segmentation is given (and matches
    its text) the same spans of the given segmentation, else None.

    The one rule for the ``h:`` features of pre-segmented documents: the headline
    and lead are analysed from their own words in the given segmentation
    (``Analyzer.given``), never segmented with underthesea's CRF; documents without
    a given segmentation have their headline and lead segmented as before.
    """
    from civictext.text.segmentation import _usable_given

    heads, hgivens = [], []
    for text, g, sp in zip(texts, givens, _head_spans(articles)):
        h = "\n".join(text[a:b] for a, b in sp)
        hg = None
        if g is not None and _usable_given(text, g) is not None:
            hg = _usable_given(h, "\n".join(g[a:b] for a, b in sp))
        heads.append(h)
        hgivens.append(hg)
    return heads, hgivens


def _token_docs(articles: pd.DataFrame, *, n_jobs: int = 1) -> tuple[list[str], np.ndarray]:
    """Per document, the analyzer's tokens plus ``h:`` headline tokens as one string,
    and the number of analyzer tokens."""
    from civictext.text.segmentation import Analyzer, _analyze_with_heads, _givens

    an = Analyzer()
    texts = articles["text"].fillna("").astype(str).tolist()
    givens = _givens(articles, texts)
    heads, hgivens = _heads_and_givens(articles, texts, givens)
    # = an.analyze_many(texts, givens) and an.analyze_many(heads, hgivens), with the
    # headline sentences' tokens taken from the text's and the given words used
    toks, hts = _analyze_with_heads(an, texts, givens, heads, hgivens, n_jobs=n_jobs)
    docs = [" ".join(t) + (" " + " ".join("h:" + w for w in h) if h else "")
            for t, h in zip(toks, hts)]
    return docs, np.array([len(t) for t in toks], dtype="float64")


def _lexicon_block(frame: pd.DataFrame, ids: pd.Series, themes: Sequence[str],
                   n_tok: np.ndarray) -> np.ndarray:
    """shape (n_docs, 9 * n_themes + 3) from the score frame (themes._score_frame)."""
    cols = []
    f = frame.set_index(["doc_id", "theme"])
    for t in themes:
        sub = f.xs(t, level="theme").reindex(ids)
        hits = sub["hits"].to_numpy("float64")
        nh = sub["sentences_hit"].to_numpy("float64")
        ns = sub["n_sentences"].to_numpy("float64")
        score = sub["score"].to_numpy("float64")
        cols += [sub["mentioned"].to_numpy("float64"), sub["focus"].to_numpy("float64"),
                 sub["headline_hit"].to_numpy("float64"), sub["lead_hit"].to_numpy("float64"),
                 np.log1p(hits), np.minimum(score, 10.0) / 10.0, np.log1p(nh),
                 nh / np.maximum(ns, 1.0), ((hits > 0) & ~sub["mentioned"].to_numpy()).astype(float)]
    first = f.xs(themes[0], level="theme").reindex(ids)
    ns = first["n_sentences"].to_numpy("float64")
    cols += [np.log1p(ns) / 5.0, np.log1p(n_tok) / 8.0, (ns <= 3).astype("float64")]
    return np.column_stack(cols)


def _score_frame(articles: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    from civictext.themes.scoring import DEFAULT_THRESHOLD, _score_frame

    ones = pd.Series(1, index=articles["doc_id"].astype(str).to_numpy())
    return _score_frame(articles, lexicon, ones, DEFAULT_THRESHOLD)


@dataclass
class _Features:
    ids: pd.Series
    docs: list[str]
    lex: np.ndarray


def _features(articles: pd.DataFrame, lexicon: Lexicon, themes: Sequence[str],
              frame: pd.DataFrame | None = None, *, n_jobs: int = 1) -> _Features:
    ids = articles["doc_id"].astype(str).reset_index(drop=True)
    frame = _score_frame(articles, lexicon) if frame is None else frame
    docs, n_tok = _token_docs(articles, n_jobs=n_jobs)
    return _Features(ids, docs, _lexicon_block(frame, ids, themes, n_tok))


# --------------------------------------------------------------------------- the model

#: Documents per batch of the theme model's features and probabilities.
_BATCH = 4096


def _predicted(model: "ThemeModel", articles: pd.DataFrame, lexicon: Lexicon,
               themes: Sequence[str], frame: pd.DataFrame | None = None, *,
               n_jobs: int = 1, batch: int | None = None,
               thresholds: dict[str, float] | None = None) -> pd.DataFrame:
    """``model._long(_features(articles, lexicon, themes, frame), thresholds)``, ``batch`` documents
    at a time (default :data:`_BATCH`): the features (token strings, TF-IDF rows, lexicon block) of one batch
    are held at once, not of every document; only the probabilities are concatenated.

    Every step is row-wise (the analyzer per document, TF-IDF transform, l2 norm and
    the classifiers' dot products per row), so the result is the same to the bit.
    ``frame``: the score frame of ``articles`` (``_score_frame``; computed once here
    when None), cut to each batch's documents.
    """
    n, batch = len(articles), batch or _BATCH
    if n <= batch:
        return model._long(_features(articles, lexicon, themes, frame=frame, n_jobs=n_jobs),
                           thresholds)
    if frame is None:  # one matching pass for every document (kept for the evidence)
        frame = _score_frame(articles, lexicon)
    ids = articles["doc_id"].astype(str).to_numpy()
    k = len(frame) // n if len(frame) % n == 0 else 0
    # the frame is doc-major in the order of articles (k rows, one per theme, each):
    # cut it by position, else by membership
    aligned = k > 0 and bool((frame["doc_id"].astype(str).to_numpy()
                              == np.repeat(ids, k)).all())
    parts = []
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        sub = frame.iloc[lo * k:hi * k] if aligned else \
            frame[frame["doc_id"].astype(str).isin(ids[lo:hi])]
        parts.append(model._long(_features(articles.iloc[lo:hi], lexicon, themes, frame=sub,
                                           n_jobs=n_jobs), thresholds))
    return pd.concat(parts, ignore_index=True)


def _vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(token_pattern=r"(?u)\S+", lowercase=False, ngram_range=(1, 2),
                           min_df=2, max_df=0.9, sublinear_tf=True, max_features=40000,
                           dtype=np.float64)


def _classifier(C: float, random_state: int):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="liblinear",
                              random_state=random_state)


def _weighted_prf(y: np.ndarray, yhat: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Design-weighted precision, recall, F1 (F1 0 when nothing relevant is found)."""
    from civictext.themes.validation import _prf

    tp = float(np.sum(w * (y == 1) * (yhat == 1)))
    p, r, f = _prf(tp, float(np.sum(w * (y == 0) * (yhat == 1))),
                   float(np.sum(w * (y == 1) * (yhat == 0))))
    return p, r, (f if tp > 0 else 0.0)


def _threshold_cuts(p: np.ndarray) -> np.ndarray:
    """Candidate thresholds, ascending: halfway between consecutive distinct
    probabilities (rounded to 6 digits; below the lowest, half of it), so no threshold
    is one document's value; each is judged as it is applied (``p >= cut``)."""
    cands = np.unique(np.round(p, 6))
    return np.concatenate([cands[:1] / 2, (cands[1:] + cands[:-1]) / 2])


def _best_threshold(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    """The threshold on p maximising design-weighted F1 (ties: the highest), among
    :func:`_threshold_cuts`."""
    best, best_f = 0.5, -1.0
    for t in _threshold_cuts(p):
        f = _weighted_prf(y, (p >= t).astype(int), w)[2]
        if f > best_f + 1e-12 or (abs(f - best_f) <= 1e-12 and t > best):
            best, best_f = float(t), f
    return best


def _precision_threshold(y: np.ndarray, p: np.ndarray, w: np.ndarray, target: float, *,
                         min_positives: int = MIN_POINT_POSITIVES) -> tuple[float, bool]:
    """The "precision" operating point: ``(threshold, reached)``.

    Candidate thresholds lie halfway between consecutive distinct probabilities
    (rounded to 6 digits; below the lowest: half of it), as the F1 threshold does,
    so no threshold is one document's value; each is judged on the documents
    with ``p >=`` it, and only those with at least ``min_positives`` coded
    positives at or above them count. **Reached**: the lowest candidate whose
    design-weighted precision is at least ``target`` gives the most recall at
    that precision; the threshold is then raised to the highest candidate with
    the same relevant documents above it (fewer false hits, same recall, so the
    precision only rises: where the F1 threshold's precision is above the target
    already, the two points can coincide). **Not reached** (no candidate gets
    there): the candidate of highest design-weighted precision (ties: the
    lowest), recorded with ``reached=False``.
    """
    cuts = _threshold_cuts(p)
    pos = y == 1
    best, best_p, reached = None, -1.0, False
    for i, t in enumerate(cuts):  # ascending: ever fewer documents above
        yhat = (p >= t).astype(int)
        if int(np.sum(pos & (yhat == 1))) < min_positives:
            break  # fewer positives above every higher candidate too
        prec = _weighted_prf(y, yhat, w)[0]
        if prec >= target - 1e-12:
            found = pos & (yhat == 1)
            best, reached = float(t), True
            for u in cuts[i + 1:]:  # the same relevant documents above: fewer false hits
                if not np.array_equal(pos & (p >= u), found):
                    break
                best = float(u)
            break
        if prec > best_p + 1e-12:
            best, best_p = float(t), prec
    if best is None:  # fewer than min_positives positives in all: the lowest candidate
        best = float(cuts[0])
    return best, reached


def _point_record(y: np.ndarray, p: np.ndarray, w: np.ndarray, thr: float,
                  **extra: Any) -> dict[str, Any]:
    prec, rec, f = _weighted_prf(y, (p >= thr).astype(int), w)
    return {"threshold": float(thr), "oof_precision_w": prec, "oof_recall_w": rec,
            "oof_f1_w": f, **extra}


@dataclass
class ThemeModel:
    """A fitted theme model: one calibrated classifier per theme.

    Attributes
    ----------
    themes : list of str
    thresholds : dict theme -> float
        ``present_model`` is ``p_model >= threshold`` at the default operating
        point ("f1").
    use_model : dict theme -> bool
        Whether the "auto" reading uses the model for the theme in documents of
        more than :attr:`short_max_tokens` tokens (it beat the focus rule in
        grouped cross-validation; set by the training script) or the focus rule.
    auto_measures : dict length class -> theme -> measure
        The measure ("model", "focus" or "mention") the "auto" reading uses per
        length class ("long", "short") and theme, chosen on held-out
        predictions by :func:`choose_auto_measures`; empty (a model saved before
        length classes existed, or fitted with :func:`fit_theme_model` alone):
        :attr:`use_model` for every document.
    short_max_tokens : int or None
        Documents with ``n_tokens`` at most this are "short" for ``auto_measures``.
    info : dict
        Training summary, cross-validated figures, versions (written to
        ``model.json`` and the model card); ``info["training_ids"]``: the
        documents it was fitted on, as salted hashes of their normalised
        texts and of their ids (:func:`civictext.themes.crossfit.training_record`;
        no text, no id in clear), so that corrected shares can refuse codes
        the model has seen (matched on the text: an unrelated document that
        shares an id with a training document is not refused).
    operating_points : dict point -> theme -> dict
        The named thresholds (:data:`OPERATING_POINTS`), each with its
        out-of-fold design-weighted ``oof_precision_w``, ``oof_recall_w``,
        ``oof_f1_w``: "f1" (``thresholds``) and "precision" (with ``target`` and
        ``reached``; see :func:`fit_theme_model`). A model saved before
        operating points existed has "f1" only.
    """

    themes: list[str]
    vectorizer: Any
    classifiers: dict[str, Any]
    calibrators: dict[str, tuple[float, float]]
    thresholds: dict[str, float]
    use_model: dict[str, bool] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    lexicon: Lexicon | None = None
    #: the lexicon themes whose evidence are features (every theme of the lexicon)
    feature_themes: list[str] = field(default_factory=list)
    operating_points: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    auto_measures: dict[str, dict[str, str]] = field(default_factory=dict)
    short_max_tokens: int | None = None

    def auto_measure(self, theme: str, length_class: str = "long") -> str:
        """The measure ("model", "focus", "mention") of the "auto" reading for
        ``theme`` in documents of ``length_class`` ("long" or "short")."""
        chosen = (self.auto_measures.get(length_class) or {}).get(theme)
        if chosen is None and length_class != "long":
            chosen = (self.auto_measures.get("long") or {}).get(theme)
        if chosen is None:
            chosen = "model" if self.use_model.get(theme, False) else "focus"
        return chosen

    def thresholds_at(self, operating_point: str = DEFAULT_OPERATING_POINT, *,
                      where: str = "ThemeModel") -> dict[str, float]:
        """The threshold per theme at an operating point ("f1": :attr:`thresholds`).

        Raises :class:`~civictext.errors.ParameterError` for a name not in
        :data:`OPERATING_POINTS`, :class:`~civictext.errors.ModelError` when the
        model has no such point (saved before operating points existed: refit it).
        """
        check_operating_point(operating_point, where)
        if operating_point == "f1":
            return {t: float(self.thresholds[t]) for t in self.themes}
        point = self.operating_points.get(operating_point) or {}
        missing = [t for t in self.themes if t not in point]
        if missing:
            raise ModelError(f"{where}: operating_point={operating_point!r}, but this theme "
                             f"model has no {operating_point!r} operating point (it was saved "
                             f"before civictext recorded operating points; it has "
                             f"{sorted(self.operating_points) or ['f1']}); refit it "
                             f"(civictext train-model CODED --corpus PATH --out MODEL, or "
                             f"ct.fit_theme_model) or use operating_point='f1'")
        return {t: float(point[t]["threshold"]) for t in self.themes}

    # -- prediction
    def _matrix(self, feats: _Features):
        X_txt = self.vectorizer.transform(feats.docs)
        return sparse.hstack([X_txt, sparse.csr_matrix(feats.lex)], format="csr")

    def _proba(self, feats: _Features) -> dict[str, np.ndarray]:
        X = self._matrix(feats)
        out = {}
        for t in self.themes:
            d = self.classifiers[t].decision_function(X)
            a, b = self.calibrators[t]
            out[t] = 1.0 / (1.0 + np.exp(-(a * d + b)))
        return out

    def predict_proba(self, articles: pd.DataFrame, *, n_jobs: int = 1,
                      operating_point: str = DEFAULT_OPERATING_POINT) -> pd.DataFrame:
        """Probability that each theme is a substantial subject of each document.

        ``operating_point``: which threshold gives ``present_model`` ("f1", the
        default, or "precision"; :attr:`operating_points`); ``p_model`` does not
        depend on it.

        Returns
        -------
        DataFrame
            One row per (``doc_id``, ``theme``) in the order of ``articles`` then
            of :attr:`themes`: ``doc_id, theme, p_model`` (float in [0, 1]) and
            ``present_model`` (bool, ``p_model >=`` the theme's threshold at the
            operating point).
        """
        where = "ThemeModel.predict_proba"
        thresholds = self.thresholds_at(operating_point, where=where)  # before any work
        articles = check_articles(articles, where, error=ModelError)
        return _predicted(self, articles, _lexicon(self.lexicon), self.feature_themes,
                          n_jobs=n_jobs, thresholds=thresholds)

    predict = predict_proba

    def _long(self, feats: _Features, thresholds: dict[str, float] | None = None
              ) -> pd.DataFrame:
        thresholds = self.thresholds if thresholds is None else thresholds
        probs = self._proba(feats)
        n = len(feats.ids)
        df = pd.DataFrame({
            "doc_id": np.repeat(feats.ids.to_numpy(), len(self.themes)),
            "theme": np.tile(np.array(self.themes, dtype=object), n),
            "p_model": np.column_stack([probs[t] for t in self.themes]).reshape(-1)
            if n else np.array([], dtype="float64"),
        })
        thr = df["theme"].map(thresholds).astype("float64")
        df["present_model"] = df["p_model"] >= thr
        return df

    def evaluate(self, articles: pd.DataFrame, coded: Any, *,
                 operating_point: str = DEFAULT_OPERATING_POINT) -> pd.DataFrame:
        """Design-weighted precision, recall and F1 of the model on coded documents.

        Use documents the model was **not** fitted on (see
        :func:`cross_validate_measures` for a held-out-corpus evaluation).
        Returns :data:`CV_COLUMNS` with ``measure="model"`` (``"model_precision"``
        at ``operating_point="precision"``), ``heldout="given"``.
        """
        self.thresholds_at(operating_point, where="ThemeModel.evaluate")
        long = coded_long(coded, self.themes, where="ThemeModel.evaluate")
        pred = self.predict_proba(articles[articles["doc_id"].astype(str).isin(
            set(long["doc_id"]))], operating_point=operating_point)
        _check_ids(long, pred["doc_id"], "ThemeModel.evaluate")
        m = long.merge(pred, on=["doc_id", "theme"], how="inner")
        measure = "model" if operating_point == "f1" else f"model_{operating_point}"
        return _metrics(m.assign(pred=m["present_model"].astype(int)), measure, "given",
                        n_boot=0, random_state=0)

    def card(self) -> str:
        """The model card (Markdown): training data, held-out figures, intended use, limits."""
        return _model_card(self)

    # -- files
    def save(self, path: str | os.PathLike) -> Path:
        """Write the model folder: ``model.skops`` (classifiers and idf weights),
        ``vocabulary.json``, ``model.json`` (settings, checksums) and ``MODEL_CARD.md``.

        The same fitted model gives the same bytes in every file, on every save
        and in every process (``model.skops`` is canonical: no memory addresses
        or time stamps, see ``civictext._safeload.canonical``)."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ModelError(f"ThemeModel.save: {path} is a file; give a folder path")
        path.mkdir(parents=True, exist_ok=True)
        vec = self.vectorizer
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)  # term of column 0, 1, ...
        payload = {"idf": np.asarray(vec.idf_, dtype="float64"),
                   "classifiers": {t: self.classifiers[t] for t in self.themes}}
        import zipfile

        from civictext._safeload import dumps

        # canonical bytes: the same fitted model gives the same file (and model_sha256)
        blob = dumps(payload, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        with atomic_write(path / "model.skops", "wb") as fh:
            fh.write(blob)
        blob_sha = hashlib.sha256(blob).hexdigest()
        arrays = _arrays_file(payload, blob_sha)
        if arrays is not None:
            with atomic_write(path / _ARRAYS_FILE, "wb") as fh:
                fh.write(arrays)
        elif (path / _ARRAYS_FILE).exists():
            (path / _ARRAYS_FILE).unlink()  # it would mirror another model.skops
        vocab_text = json.dumps(vocab, ensure_ascii=False) + "\n"
        write_text(path / "vocabulary.json", vocab_text)
        params = {k: (list(v) if isinstance(v, tuple) else v)
                  for k, v in vec.get_params().items() if k in _VEC_PARAMS}
        meta = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "themes": self.themes,
                "thresholds": self.thresholds, "use_model": self.use_model,
                "auto_measures": self.auto_measures, "short_max_tokens": self.short_max_tokens,
                "operating_points": self.operating_points,
                "calibrators": {t: list(self.calibrators[t]) for t in self.themes},
                "lexicon_features": _LEX_FEATURES, "feature_themes": self.feature_themes,
                "lexicon": None if self.lexicon is None else "custom",
                "model_sha256": blob_sha, "vectorizer": params,
                "vocabulary_sha256": hashlib.sha256(vocab_text.encode("utf-8")).hexdigest(),
                "info": self.info}
        if arrays is not None:
            meta["arrays_sha256"] = hashlib.sha256(arrays).hexdigest()
        write_text(path / "model.json", json.dumps(meta, ensure_ascii=False, indent=2,
                                                   sort_keys=True) + "\n")
        write_text(path / "MODEL_CARD.md", _model_card(self))
        return path


def _arrays_file(payload: dict[str, Any], skops_sha256: str) -> bytes | None:
    """``model_arrays.npz``: the idf weights and each classifier's state (numeric
    arrays, JSON scalars), with the SHA-256 of the ``model.skops`` holding the same
    payload; None when a classifier is not a LogisticRegression of plain values."""
    from sklearn.linear_model import LogisticRegression

    from civictext._safeload import dumps_arrays, estimator_state

    arrays: dict[str, Any] = {"idf": payload["idf"]}
    states: dict[str, Any] = {}
    for t, clf in payload["classifiers"].items():
        st = estimator_state(clf, f"clf.{t}") if type(clf) is LogisticRegression else None
        if st is None:
            return None
        arrays.update(st[0])
        states[t] = st[1]
    desc = {"skops_sha256": skops_sha256, "classifiers": states}
    arrays["state_json"] = np.array(json.dumps(desc, sort_keys=True))
    return dumps_arrays(arrays)


def _payload_from_arrays(folder: Path, meta: dict, skops_sha256: str) -> dict[str, Any] | None:
    """The ``model.skops`` payload (idf, classifiers) built from ``model_arrays.npz``
    without skops, or None when the folder has no such file or it mirrors another
    ``model.skops`` (then that file is read with skops). A file that does not match
    its checksum in ``model.json`` is refused."""
    want = meta.get("arrays_sha256")
    path = folder / _ARRAYS_FILE
    if not isinstance(want, str) or not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != want:
        raise ModelError(f"load_theme_model: {path} does not match the checksum in "
                         f"{folder / 'model.json'}; the file was changed or damaged: get the "
                         "model folder again")
    from sklearn.linear_model import LogisticRegression

    from civictext._safeload import estimator_from_state, loads_arrays

    arrays = loads_arrays(data, where="load_theme_model", path=path)
    try:
        state_json = arrays["state_json"]
        if state_json.shape != () or state_json.dtype.kind != "U":
            raise ModelError(f"load_theme_model: {path} is not a civictext model-array file "
                             "(its state_json is not one string); get the model folder again")
        desc = json.loads(state_json.item())
        if desc["skops_sha256"] != skops_sha256:
            log.debug("load_theme_model: %s mirrors another model.skops; reading model.skops",
                      path)
            return None
        states = desc["classifiers"]
        classifiers = {t: estimator_from_state(LogisticRegression, arrays, f"clf.{t}", states[t])
                       for t in meta["themes"]}
        return {"idf": arrays["idf"], "classifiers": classifiers}
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"load_theme_model: {path} is not a civictext model-array file "
                         f"({type(e).__name__}: {e}); get the model folder again") from None


def _check_ids(long: pd.DataFrame, ids: pd.Series, where: str) -> None:
    unknown = sorted(set(long["doc_id"]) - set(ids.astype(str)))
    if unknown:
        raise ModelError(f"{where}: {len(unknown)} coded document(s) are not in the articles "
                         f"table, e.g. {unknown[0]!r}; code documents of this corpus, or read the "
                         "corpus the sample was drawn from")


#: Candidate settings searched per theme on out-of-fold F1 (inside the training data only):
#: inverse L2 strength ``C`` and the power of the design weight ``1 / pi`` given to
#: each training document (0: every coded document counts once; 0.5: documents from
#: large, thinly sampled strata count more, as they stand for more of the corpus).
GRID = tuple((C, a) for C in (0.25, 1.0, 4.0) for a in (0.0, 0.5))


def _oof(X, y: np.ndarray, sw: np.ndarray, *, C: float, random_state: int,
         folds: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    k = int(min(folds, y.sum(), (1 - y).sum()))
    oof = np.zeros(len(y))
    skf = StratifiedKFold(n_splits=max(k, 2), shuffle=True, random_state=random_state)
    for tr, te in skf.split(np.zeros(len(y)), y):
        clf = _classifier(C, random_state).fit(X[tr], y[tr], sample_weight=sw[tr])
        oof[te] = clf.decision_function(X[te])
    return oof


def _calibrate(oof: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    cal = LogisticRegression(C=1e4, max_iter=5000).fit(oof.reshape(-1, 1), y,
                                                       sample_weight=w / w.mean())
    return float(cal.coef_[0, 0]), float(cal.intercept_[0])


def _fit_one(X, y: np.ndarray, w: np.ndarray, *, grid: Sequence[tuple[float, float]],
             random_state: int, folds: int = 5
             ) -> tuple[Any, tuple[float, float], float, np.ndarray, dict[str, float]]:
    """Fit one theme: pick (C, weight power) on out-of-fold design-weighted F1, then
    the classifier, its calibration (a, b), the threshold and the out-of-fold p."""
    best = None
    for C, power in grid:
        sw = (w / w.mean()) ** power
        oof = _oof(X, y, sw, C=C, random_state=random_state, folds=folds)
        a, b = _calibrate(oof, y, w)
        p = 1.0 / (1.0 + np.exp(-(a * oof + b)))
        thr = _best_threshold(y, p, w)
        f = _weighted_prf(y, (p >= thr).astype(int), w)[2]
        if best is None or f > best[0] + 1e-9:
            best = (f, C, power, (a, b), thr, p)
    _, C, power, cal, thr, p_oof = best
    sw = (w / w.mean()) ** power
    clf = _classifier(C, random_state).fit(X, y, sample_weight=sw)
    return clf, cal, thr, p_oof, {"C": C, "weight_power": power}


def fit_theme_model(
    articles: pd.DataFrame,
    coded: Any,
    *,
    themes: Sequence[str] | None = None,
    lexicon: Lexicon | None = None,
    C: float | None = None,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    n_jobs: int = 1,
    precision_target: float = DEFAULT_PRECISION_TARGET,
) -> ThemeModel:
    """Fit one calibrated classifier per theme on coded documents.

    **Operating points.** From the out-of-fold probabilities of the setting
    chosen for each theme (no further fits), two named thresholds are recorded
    (:attr:`ThemeModel.operating_points`, with their out-of-fold
    design-weighted precision, recall and F1):

    * "f1" (the default, :attr:`ThemeModel.thresholds`): the threshold of highest
      out-of-fold F1, set halfway to the next lower probability. Recall-heavy on
      rare themes; right for shares (corrected or not).
    * "precision": the lowest threshold at which the out-of-fold precision
      reaches ``precision_target`` with at least :data:`MIN_POINT_POSITIVES`
      coded positives above it (the most recall at that precision), again
      halfway to the next lower probability; ``reached: True``. When no
      threshold reaches the target, the threshold of highest out-of-fold
      precision among those with at least :data:`MIN_POINT_POSITIVES` positives
      above it (ties: the lowest), recorded with ``reached: False`` (the card
      says so). For lists of articles to read (case selection), where a false
      hit costs more than a missed one.

    Both are chosen on the training documents' out-of-fold probabilities, so a
    held-out evaluation of ``fit_theme_model`` (:func:`cross_validate_measures`)
    includes the choice.

    Parameters
    ----------
    articles : DataFrame
        An articles table holding (at least) every coded document.
    coded : DataFrame or path
        Human codes: long ``doc_id, theme, relevant, pi`` or wide (a 0/1 column
        per theme), see :func:`coded_long`. ``pi`` is the document's inclusion
        probability in the coding sample (default 1).
    themes : sequence of str, keyword-only, optional
        Default: every theme of the lexicon that is coded.
    lexicon : Lexicon, keyword-only, optional
        For the lexicon features (default: the bundled lexicons).
    C : float, keyword-only, optional
        Inverse L2 strength of the logistic regressions. Default None: chosen per
        theme from :data:`GRID` (with the design-weight power) by out-of-fold F1
        on the coded documents given, so a held-out evaluation of
        ``fit_theme_model`` includes the choice.
    random_state : int, keyword-only
        Seed of the cross-validation folds used for the choice and the
        calibration (default 0).
    precision_target : float in (0, 1], keyword-only
        Out-of-fold design-weighted precision of the "precision" operating point
        (default :data:`DEFAULT_PRECISION_TARGET`, 0.85).

    Returns
    -------
    ThemeModel

    Raises
    ------
    ModelError
        Coded ids not in ``articles``, unknown themes, a malformed label or ``pi``
        column, or a theme with fewer than :data:`MIN_POSITIVES` positive or
        negative documents (the message says how many more are needed).
    """
    from civictext._check import number

    target = number(precision_target, "precision_target", "fit_theme_model", lo=0, hi=1,
                    lo_open=True)
    articles = check_articles(articles, "fit_theme_model", error=ModelError)
    rs = DEFAULT_RANDOM_STATE if random_state is None else int(random_state)
    lex = _lexicon(lexicon)
    long = coded_long(coded, lex.themes, where="fit_theme_model")
    _check_ids(long, articles["doc_id"], "fit_theme_model")
    themes = list(themes) if themes is not None else [t for t in lex.themes
                                                      if t in set(long["theme"])]
    if not themes:
        raise ModelError("fit_theme_model: no theme is coded; code at least one theme")
    for t in themes:
        sub = long[long["theme"] == t]
        pos, neg = int(sub["relevant"].sum()), int((1 - sub["relevant"]).sum())
        if pos < MIN_POSITIVES or neg < MIN_POSITIVES:
            raise ModelError(f"fit_theme_model: theme {t!r} has {pos} positive and {neg} negative "
                             f"coded documents; at least {MIN_POSITIVES} of each are needed. Code "
                             f"more documents (ct.next_to_code picks useful ones) or fit without "
                             f"it (themes=[...])")
    coded_ids = list(dict.fromkeys(long["doc_id"]))
    arts = articles[articles["doc_id"].astype(str).isin(set(coded_ids))]
    feats = _features(arts, lex, lex.themes, n_jobs=n_jobs)
    vec = _vectorizer()
    X_txt = vec.fit_transform(feats.docs)
    # the terms pruned by min_df/max_df/max_features: only for introspection, and 25x the
    # size of everything else in a saved model (scikit-learn documents it may be deleted)
    if hasattr(vec, "stop_words_"):
        del vec.stop_words_
    X = sparse.hstack([X_txt, sparse.csr_matrix(feats.lex)], format="csr")
    row = {d: i for i, d in enumerate(feats.ids)}
    classifiers, calibrators, thresholds, summary = {}, {}, {}, {}
    points: dict[str, dict[str, dict[str, Any]]] = {"f1": {}, "precision": {}}
    for t in themes:
        sub = long[long["theme"] == t]
        idx = sub["doc_id"].map(row).to_numpy()
        y = sub["relevant"].to_numpy()
        w = 1.0 / sub["pi"].to_numpy()
        grid = GRID if C is None else tuple((float(C), a) for a in (0.0, 0.5))
        clf, cal, thr, p_oof, chosen = _fit_one(X[idx], y, w, grid=grid, random_state=rs)
        classifiers[t], calibrators[t], thresholds[t] = clf, cal, thr
        points["f1"][t] = f1 = _point_record(y, p_oof, w, thr)
        summary[t] = {"n": int(len(y)), "positives": int(y.sum()), **chosen,
                      **{k: f1[k] for k in ("oof_precision_w", "oof_recall_w", "oof_f1_w")}}
        p_thr, reached = _precision_threshold(y, p_oof, w, target)
        points["precision"][t] = _point_record(y, p_oof, w, p_thr, target=target,
                                               reached=reached)
    import sklearn

    from civictext import __version__
    from civictext.themes.crossfit import training_record

    texts = pd.Series(arts["text"].to_numpy(), index=arts["doc_id"].astype(str).to_numpy())
    info = {"trained_on": {"documents": len(coded_ids),
                           "groups": sorted(set(long["group"])) if "group" in long else [],
                           "per_theme": summary},
            # salted hashes of the coded documents' texts and ids: theme_trends(coded=...)
            # refuses to correct with codes the model was fitted on (themes.crossfit)
            "training_ids": training_record(coded_ids, texts.reindex(coded_ids)),
            "C": C, "random_state": rs, "precision_target": target, "civictext": __version__,
            "scikit_learn": sklearn.__version__}
    model = ThemeModel(themes=themes, vectorizer=vec, classifiers=classifiers,
                       calibrators=calibrators, thresholds=thresholds,
                       use_model={t: True for t in themes}, info=info,
                       lexicon=None if lexicon is None else lex,
                       feature_themes=list(lex.themes), operating_points=points)
    return model


def load_theme_model(path: str | os.PathLike | None = None) -> ThemeModel:
    """Load a saved theme model folder (default: the model shipped with civictext).

    Only the types in :data:`TRUSTED_TYPES` are loaded (skops); a folder whose
    ``model.json`` is not a civictext theme model, whose ``model.skops`` does not
    match its checksum or holds any other type is refused with a
    :class:`~civictext.errors.ModelError`. The classifiers come from
    ``model_arrays.npz`` (plain arrays, no pickles) when it mirrors ``model.skops``
    (the SHA-256 it records), which spares importing :mod:`skops.io`.
    """
    return _load_theme_model(path)


def _load_theme_model(path: str | os.PathLike | None, *, arrays: bool = True) -> ThemeModel:
    """:func:`load_theme_model`; ``arrays=False`` reads ``model.skops`` even when
    ``model_arrays.npz`` mirrors it (to check or regenerate that file)."""
    folder = Path(path) if path is not None else DEFAULT_MODEL_DIR
    if folder.is_file() and folder.name in ("model.json", "model.skops"):
        folder = folder.parent
    meta_p, blob_p = folder / "model.json", folder / "model.skops"
    if not meta_p.is_file() or not blob_p.is_file():
        raise ModelError(f"load_theme_model: {folder} is not a theme-model folder (needs "
                         "model.json and model.skops, as ThemeModel.save writes)")
    try:
        meta = json.loads(meta_p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"load_theme_model: {meta_p} is not valid JSON ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise ModelError(f"load_theme_model: {meta_p} is not a civictext theme model "
                         f"(format {meta.get('format') if isinstance(meta, dict) else None!r})")
    if int(meta.get("format_version", 0)) > _FORMAT_VERSION:
        raise ModelError(f"load_theme_model: {folder} was written by a newer civictext (format "
                         f"{meta.get('format_version')}); upgrade civictext")
    blob = blob_p.read_bytes()
    blob_sha = hashlib.sha256(blob).hexdigest()
    if blob_sha != meta.get("model_sha256"):
        raise ModelError(f"load_theme_model: {blob_p} does not match the checksum in {meta_p}; "
                         "the file was changed or damaged: get the model folder again")
    payload = None
    if arrays and int(meta.get("format_version", 0)) >= 2:
        payload = _payload_from_arrays(folder, meta, blob_sha)
    if payload is None:
        payload = _skops_payload(blob, blob_p)
    vectorizer = payload.get("vectorizer") if int(meta.get("format_version", 0)) < 2 else \
        _load_vectorizer(folder, meta, payload)
    themes = list(meta["themes"])
    lexicon = None
    if meta.get("lexicon") == "custom":
        log.warning("load_theme_model: %s was fitted with a custom lexicon; the bundled "
                    "lexicons are used for its features unless you set model.lexicon", folder)
    thresholds = {t: float(v) for t, v in meta["thresholds"].items()}
    info = meta.get("info", {})
    return ThemeModel(themes=themes, vectorizer=vectorizer,
                      classifiers=dict(payload["classifiers"]),
                      calibrators={t: (float(v[0]), float(v[1]))
                                   for t, v in meta["calibrators"].items()},
                      thresholds=thresholds,
                      use_model={t: bool(v) for t, v in meta.get("use_model", {}).items()},
                      info=info, lexicon=lexicon,
                      feature_themes=list(meta.get("feature_themes") or themes),
                      operating_points=_loaded_points(meta, thresholds, info),
                      auto_measures=_loaded_auto(meta, folder),
                      short_max_tokens=_loaded_short(meta, folder))


def _loaded_auto(meta: dict, folder: Path) -> dict[str, dict[str, str]]:
    """``model.json``'s "auto" measures per length class ({} when it predates them)."""
    saved = meta.get("auto_measures") or {}
    ok = isinstance(saved, dict) and all(
        k in ("long", "short") and isinstance(v, dict)
        and all(isinstance(m, str) and m in AUTO_MEASURES for m in v.values())
        for k, v in saved.items())
    if not ok:
        raise ModelError(f"load_theme_model: {folder / 'model.json'} has auto_measures "
                         f"{saved!r}; expected length classes 'long'/'short', each mapping "
                         f"themes to one of {', '.join(AUTO_MEASURES)}. Refit or re-save the "
                         "model")
    return {k: {t: str(m) for t, m in v.items()} for k, v in saved.items()}


def _loaded_short(meta: dict, folder: Path) -> int | None:
    value = meta.get("short_max_tokens")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelError(f"load_theme_model: {folder / 'model.json'} has short_max_tokens "
                         f"{value!r}; expected a whole number of tokens >= 0 or null. Refit or "
                         "re-save the model")
    return value


def _loaded_points(meta: dict, thresholds: dict[str, float], info: dict
                   ) -> dict[str, dict[str, dict[str, Any]]]:
    """``model.json``'s operating points; a folder written before they were recorded
    has the "f1" point only (its thresholds, and the out-of-fold figures of its
    training summary)."""
    saved = meta.get("operating_points")
    if isinstance(saved, dict) and saved:
        return {str(k): {str(t): dict(r) for t, r in v.items()} for k, v in saved.items()}
    per = (info.get("trained_on") or {}).get("per_theme") or {}
    f1 = {}
    for t, thr in thresholds.items():
        s = per.get(t, {})
        f1[t] = {"threshold": thr, **{k: s[k] for k in ("oof_precision_w", "oof_recall_w",
                                                         "oof_f1_w") if k in s}}
    return {"f1": f1}


def _skops_payload(blob: bytes, blob_p: Path) -> dict[str, Any]:
    """The payload of ``model.skops``, refusing any type outside :data:`TRUSTED_TYPES`."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=blob)
    except Exception as e:  # noqa: BLE001 - any parse failure means: not a model file
        raise ModelError(f"load_theme_model: {blob_p} is not a skops model file ({e})") from None
    bad = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if bad:
        raise ModelError(f"load_theme_model: {blob_p} holds types a civictext theme model never "
                         f"contains ({', '.join(bad[:5])}); refusing to load it. Only load models "
                         "you made or trust, and refit from the coded sample otherwise")
    try:
        payload = sio.loads(blob, trusted=list(untrusted))
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"load_theme_model: {blob_p} cannot be read ({e})") from None
    if not isinstance(payload, dict):
        raise ModelError(f"load_theme_model: {blob_p} does not hold a theme model's payload")
    return payload


def _load_vectorizer(folder: Path, meta: dict, payload: dict) -> Any:
    """Rebuild the TF-IDF vectorizer from its recorded settings, vocabulary and idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vp = folder / "vocabulary.json"
    try:
        text = vp.read_text(encoding="utf-8")
    except OSError as e:
        raise ModelError(f"load_theme_model: {vp} cannot be read ({e}); get the model folder "
                         "again") from None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != meta.get("vocabulary_sha256"):
        raise ModelError(f"load_theme_model: {vp} does not match the checksum in model.json; "
                         "the file was changed or damaged: get the model folder again")
    vocab = json.loads(text)
    params = dict(meta.get("vectorizer", {}))
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    vec = TfidfVectorizer(**{k: v for k, v in params.items() if k in _VEC_PARAMS},
                          vocabulary={t: i for i, t in enumerate(vocab)}, dtype=np.float64)
    idf = np.asarray(payload["idf"], dtype="float64")
    if len(idf) != len(vocab):
        raise ModelError(f"load_theme_model: {folder}: {len(idf)} idf weights for "
                         f"{len(vocab)} vocabulary terms; the folder is inconsistent")
    vec.idf_ = idf
    return vec


_BUNDLED: dict[tuple, ThemeModel] = {}


def _bundled_model() -> ThemeModel:
    """The shipped model, loaded once per process (per state of its files)."""
    st = (DEFAULT_MODEL_DIR / "model.skops").stat()
    key = (st.st_mtime_ns, st.st_size)
    if key not in _BUNDLED:
        _BUNDLED.clear()
        _BUNDLED[key] = load_theme_model()
    return _BUNDLED[key]


def _resolve_model(model: Any) -> ThemeModel:
    if model is None:
        return _bundled_model()
    if isinstance(model, ThemeModel):
        return model
    if isinstance(model, (str, os.PathLike)):
        return load_theme_model(model)
    raise ModelError(f"score_themes: model must be a ThemeModel or a model folder path, got "
                     f"{type(model).__name__}")


def _matching_terms(lexicon: Lexicon) -> str:
    """What of a lexicon decides its hits (not the notes or where a term was read)."""
    cols = [c for c in lexicon.terms.columns if c not in ("note", "source_file", "line")]
    return repr(lexicon.terms[cols].to_dict("list"))


def apply_model(frame: pd.DataFrame, articles: pd.DataFrame, model: Any,
                presence: str, *, lexicon: Lexicon | None = None,
                threshold: float | None = None,
                operating_point: str = DEFAULT_OPERATING_POINT) -> pd.DataFrame:
    """Add ``p_model``/``present_model`` to a score frame and set ``present`` by
    ``presence`` (used by :func:`civictext.score_themes`).

    ``present_model`` is ``p_model`` at or above the theme's threshold at
    ``operating_point`` (:meth:`ThemeModel.thresholds_at`); ``p_model`` does
    not depend on it.

    ``frame`` was scored with ``lexicon`` and ``threshold``. The model's lexicon
    features always come from the lexicon it was fitted with (and the default
    threshold): when the frame was scored otherwise, they are recomputed, and a
    warning says that the other lexicon decides ``mentioned`` and the focus rule
    only.
    """
    model = _resolve_model(model)
    cut = model.thresholds_at(operating_point, where="score_themes")
    lex = _lexicon(model.lexicon)
    if list(model.feature_themes) != list(lex.themes):
        raise ModelError(f"score_themes: the theme model was fitted on the evidence of themes "
                         f"{model.feature_themes}, but the lexicon has {lex.themes}; score with "
                         "the lexicon the model was fitted with, or refit the model")
    same_lex = lexicon is None or lexicon is lex or _matching_terms(lexicon) == _matching_terms(lex)
    if not same_lex:
        log.warning("score_themes: the theme model's features come from the lexicon it was "
                    "fitted with, not from the lexicon given; that lexicon decides `mentioned` "
                    "and the focus rule only. To use it in the model, refit it "
                    "(ct.fit_theme_model(..., lexicon=...))")
    from civictext.themes.scoring import DEFAULT_THRESHOLD

    reuse = same_lex and (threshold is None or threshold == DEFAULT_THRESHOLD)
    pred = _predicted(model, articles, lex, lex.themes, frame=frame if reuse else None,
                      thresholds=cut)
    out = frame.merge(pred, on=["doc_id", "theme"], how="left", sort=False)
    out["p_model"] = out["p_model"].astype("float64")
    out["present_model"] = out["present_model"].fillna(False).astype(bool)
    if presence == "model":
        out["present"] = out["present_model"] | (~out["theme"].isin(model.themes) & out["focus"])
    elif presence == "auto":
        out["present"] = auto_present(out, model)
    from civictext.themes.crossfit import scores_provenance

    # which themes' measure the model decides, and the documents it was fitted on
    out.attrs["theme_model"] = scores_provenance(model, presence,
                                                 operating_point=operating_point)
    return out


def auto_present(frame: pd.DataFrame, model: ThemeModel) -> np.ndarray:
    """The "auto" reading of a score frame (needs ``theme``, ``n_tokens``,
    ``focus``, ``mentioned``, ``present_model``): per row, the measure
    :meth:`ThemeModel.auto_measure` names for its theme and length class (short:
    ``n_tokens <= model.short_max_tokens``)."""
    return select_auto(frame["theme"], frame["n_tokens"],
                       {"model": frame["present_model"], "focus": frame["focus"],
                        "mention": frame["mentioned"]},
                       model.auto_measure, model.short_max_tokens)


def select_auto(theme: pd.Series, n_tokens: pd.Series, verdicts: dict[str, pd.Series],
                measure_of: Any, short_max_tokens: int | None) -> np.ndarray:
    """Per row, the verdict of the measure ``measure_of(theme, length_class)``
    names ("model", "focus" or "mention": a key of ``verdicts``, bool columns,
    missing values False); short: ``n_tokens <= short_max_tokens``. The one
    rule of the "auto" reading, for score frames (:func:`auto_present`) and
    held-out predictions (``benchmarks/train_theme_model.py``)."""
    flags = {k: v.fillna(False).to_numpy(bool) for k, v in verdicts.items()}
    theme = theme.to_numpy()
    short = (n_tokens.to_numpy() <= short_max_tokens if short_max_tokens is not None
             else np.zeros(len(theme), bool))
    out = np.zeros(len(theme), dtype=bool)
    for t in pd.unique(theme):
        for cls, rows in (("long", (theme == t) & ~short), ("short", (theme == t) & short)):
            out[rows] = flags[measure_of(t, cls)][rows]
    return out


def choose_auto_measures(predictions: pd.DataFrame, *,
                         short_max_tokens: int | None = SHORT_MAX_TOKENS,
                         candidates: Sequence[str] = AUTO_MEASURES,
                         min_short_positives: int = MIN_SHORT_POSITIVES
                         ) -> tuple[dict[str, dict[str, str]], pd.DataFrame]:
    """The "auto" reading's measure per length class and theme, from held-out
    predictions.

    ``predictions``: held-out verdicts, one row per (document, theme), with
    ``theme, relevant, pi, n_tokens`` and a bool column per measure in
    ``candidates`` (:func:`cross_validate_measures` with
    ``return_predictions=True`` gives them). In each length class ("long":
    ``n_tokens > short_max_tokens``, "short": the others) the measure with the
    highest design-weighted F1 wins (ties: the earlier candidate). A theme with
    fewer than ``min_short_positives`` coded short positives gets the long
    class's measure for short documents too (none chosen on a handful of
    documents).

    Returns
    -------
    (dict, DataFrame)
        ``{"long": {theme: measure}, "short": {theme: measure}}`` and the table
        it was chosen from (``length_class, theme, measure, n, positives, f1_w``).
    """
    bad = [c for c in candidates if c not in AUTO_MEASURES]
    if bad or not candidates:
        raise ParameterError(f"choose_auto_measures: candidates must be among "
                             f"{', '.join(AUTO_MEASURES)}, got {list(candidates)!r}")
    need = {"theme", "relevant", "pi", "n_tokens", *candidates}
    missing = sorted(need - set(predictions.columns))
    if missing:
        raise ModelError(f"choose_auto_measures: predictions lack columns {missing}; pass "
                         "cross_validate_measures(..., return_predictions=True)'s table")
    short = (predictions["n_tokens"] <= short_max_tokens if short_max_tokens is not None
             else pd.Series(False, index=predictions.index))
    rows: list[dict[str, Any]] = []
    chosen: dict[str, dict[str, str]] = {"long": {}, "short": {}}
    for cls, part in (("long", predictions[~short]), ("short", predictions[short])):
        for t, sub in part.groupby("theme", sort=False):
            y = sub["relevant"].to_numpy().astype(int)
            w = 1.0 / sub["pi"].to_numpy(dtype=float)
            best = None
            for m in candidates:
                f = _weighted_prf(y, sub[m].fillna(False).to_numpy().astype(int), w)[2]
                f = float(f) if np.isfinite(f) else 0.0
                rows.append({"length_class": cls, "theme": t, "measure": m, "n": len(sub),
                             "positives": int(y.sum()), "f1_w": f})
                if best is None or f > best[1]:
                    best = (m, f)
            if best is not None and (cls == "long" or y.sum() >= min_short_positives):
                chosen[cls][str(t)] = best[0]
    # a theme with no long documents: the short class's choice; too few short
    # positives: the long class's
    for t, m in chosen["short"].items():
        chosen["long"].setdefault(t, m)
    for t, m in chosen["long"].items():
        chosen["short"].setdefault(t, m)
    for t in predictions["theme"].unique():  # neither: the model
        for cls in chosen:
            chosen[cls].setdefault(str(t), "model")
    return chosen, pd.DataFrame(rows, columns=["length_class", "theme", "measure", "n",
                                               "positives", "f1_w"])


# --------------------------------------------------------------------------- evaluation

def _metrics(m: pd.DataFrame, measure: str, heldout: str, *, n_boot: int,
             random_state: int) -> pd.DataFrame:
    """Per theme: design-weighted P/R/F1 of ``pred`` against ``relevant`` with a
    stratified bootstrap (within ``group`` x ``stratum`` when present)."""
    rows = []
    rng = np.random.default_rng(random_state)
    for t, sub in m.groupby("theme", sort=False):
        y, yhat = sub["relevant"].to_numpy(), sub["pred"].to_numpy().astype(int)
        w = 1.0 / sub["pi"].to_numpy()
        p, r, f = _weighted_prf(y, yhat, w)
        lo = {"p": np.nan, "r": np.nan, "f": np.nan}
        hi = dict(lo)
        if n_boot:
            keys = (sub.get("group", pd.Series("", index=sub.index)).astype(str) + "|"
                    + sub.get("stratum", pd.Series("", index=sub.index)).astype(str)).to_numpy()
            cells = [np.flatnonzero(keys == k) for k in np.unique(keys)]
            bs = np.empty((n_boot, 3))
            for b in range(n_boot):
                idx = np.concatenate([c[rng.integers(0, len(c), len(c))] for c in cells])
                bs[b] = _weighted_prf(y[idx], yhat[idx], w[idx])
            for j, k in enumerate("prf"):
                col = bs[:, j][np.isfinite(bs[:, j])]
                if len(col):
                    lo[k], hi[k] = float(np.percentile(col, 2.5)), float(np.percentile(col, 97.5))
        rows.append({"measure": measure, "theme": t, "heldout": heldout, "n": len(sub),
                     "positives_w": float(np.sum(w * y)), "predicted_w": float(np.sum(w * yhat)),
                     "precision_w": p, "precision_lo": lo["p"], "precision_hi": hi["p"],
                     "recall_w": r, "recall_lo": lo["r"], "recall_hi": hi["r"],
                     "f1_w": f, "f1_lo": lo["f"], "f1_hi": hi["f"],
                     "tp": int(np.sum((y == 1) & (yhat == 1))),
                     "fp": int(np.sum((y == 0) & (yhat == 1))),
                     "fn": int(np.sum((y == 1) & (yhat == 0)))})
    return pd.DataFrame(rows, columns=CV_COLUMNS)


def cross_validate_measures(
    articles: pd.DataFrame,
    coded: Any,
    *,
    lexicon: Lexicon | None = None,
    C: float | None = None,
    n_boot: int = 1000,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    return_predictions: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Held-out-group evaluation of the model, the focus rule and the mention rule.

    For each group (a corpus: the coded table's ``corpus`` column) the
    model is fitted on the other groups and applied to this one; the focus and
    mention rules are applied to the same documents. Metrics are design-weighted
    (``1 / pi``) with 95% stratified-bootstrap intervals (within group x
    ``stratum`` when the coded table has a ``stratum`` column), per held-out
    group and pooled over every group (``heldout="all"``).

    Returns
    -------
    DataFrame
        :data:`CV_COLUMNS`; ``measure`` is "model" (the model at its default
        operating point, "f1"), "model_precision" (the same fold's model at its
        "precision" operating point, chosen inside that fold's training data),
        "focus" or "mention".
        With ``return_predictions=True`` also the held-out predictions
        (``doc_id, theme, group, relevant, pi, p_model, model, model_precision,
        focus, mention, n_tokens``), the input of :func:`choose_auto_measures`.
    """
    articles = check_articles(articles, "cross_validate_measures", error=ModelError)
    rs = DEFAULT_RANDOM_STATE if random_state is None else int(random_state)
    lex = _lexicon(lexicon)
    long = coded_long(coded, lex.themes, where="cross_validate_measures")
    if "group" not in long.columns:
        raise ModelError("cross_validate_measures: coded has no corpus column to hold out; add "
                         "one (the corpus each document was drawn from)")
    _check_ids(long, articles["doc_id"], "cross_validate_measures")
    arts = articles[articles["doc_id"].astype(str).isin(set(long["doc_id"]))]
    frame = _score_frame(arts, lex)
    from civictext.text.segmentation import count_tokens

    # the documents' lengths as score_themes counts them (for the "auto" length classes)
    n_tok = count_tokens(arts)
    rules = frame[["doc_id", "theme", "focus", "mentioned"]].rename(
        columns={"mentioned": "mention"})
    rules["n_tokens"] = rules["doc_id"].map(n_tok).astype("int64")
    preds = []
    for g in sorted(long["group"].unique()):
        train = long[long["group"] != g]
        test = long[long["group"] == g]
        themes = [t for t in lex.themes if t in set(test["theme"])]
        fit_themes = [t for t in themes
                      if train.loc[train.theme == t, "relevant"].sum() >= MIN_POSITIVES]
        test_arts = arts[arts["doc_id"].astype(str).isin(set(test["doc_id"]))]
        part = test.merge(rules, on=["doc_id", "theme"], how="left")
        part["p_model"] = np.nan
        part["model"] = part["focus"]
        part["model_precision"] = part["focus"]
        if fit_themes:
            model = fit_theme_model(arts[arts["doc_id"].astype(str).isin(set(train["doc_id"]))],
                                    train, themes=fit_themes, lexicon=lexicon, C=C,
                                    random_state=rs)
            pr = model.predict_proba(test_arts)
            # the same fit at its other operating point (chosen in this fold's training data)
            cut = pr["theme"].map(model.thresholds_at("precision")).astype("float64")
            pr["model_precision"] = pr["p_model"] >= cut
            part = part.drop(columns=["p_model", "model", "model_precision"]).merge(
                pr.rename(columns={"present_model": "model"}), on=["doc_id", "theme"],
                how="left")
        preds.append(part)
    pred = pd.concat(preds, ignore_index=True)
    out = []
    for measure in ("model", "model_precision", "focus", "mention"):
        m = pred.assign(pred=pred[measure].fillna(False).astype(int))
        for g, sub in m.groupby("group", sort=True):
            out.append(_metrics(sub, measure, str(g), n_boot=n_boot, random_state=rs))
        out.append(_metrics(m, measure, "all", n_boot=n_boot, random_state=rs))
    table = pd.concat(out, ignore_index=True)
    if return_predictions:
        return table, pred
    return table


# --------------------------------------------------------------------------- active coding

def next_to_code(
    articles: pd.DataFrame,
    model: Any,
    n: int,
    *,
    uncertain_share: float = 0.5,
    pool_factor: int = 5,
    exclude: Any = None,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    out: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Pick documents whose coding would most improve the model, with known probabilities.

    Two strata, each drawn by simple random sampling, so every document's
    inclusion probability ``pi`` is exact and the codes can be used both to
    refit the model and for design-based estimates (corrected shares):

    * ``uncertain``: the ``pool_factor * k`` documents whose predicted
      probabilities are closest to the model's thresholds (summed over themes),
      of which ``k = round(n * uncertain_share)`` are drawn;
    * ``random``: the other ``n - k`` from every remaining document.

    Parameters
    ----------
    articles : DataFrame
    model : ThemeModel or path
    n : int
        Number of documents to code.
    uncertain_share : float in [0, 1], keyword-only
        Share of the sample from the uncertain stratum (default 0.5; 0 gives a
        simple random sample).
    exclude : iterable of doc_id or coded table, keyword-only, optional
        Documents already coded (never drawn again).
    out : path, keyword-only, optional
        Write the coding sheet and its key (as :func:`civictext.sample_for_coding`).

    Returns
    -------
    DataFrame
        The sheet: ``doc_id, title, text``, an empty column per theme, ``coder,
        comment``, then ``stratum, stratum_size, n_sampled, weight, pi``.
    """
    from civictext.themes.validation import ValidationError, coding_sheet, write_coding_sheet

    articles = check_articles(articles, "next_to_code", error=ValidationError)
    model = _resolve_model(model)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValidationError(f"next_to_code: n must be a positive integer, got {n!r}")
    if not isinstance(uncertain_share, (int, float)) or not 0 <= uncertain_share <= 1:
        raise ValidationError(f"next_to_code: uncertain_share must be in [0, 1], got "
                              f"{uncertain_share!r}")
    if isinstance(pool_factor, bool) or not isinstance(pool_factor, int) or pool_factor < 1:
        raise ValidationError(f"next_to_code: pool_factor must be a whole number >= 1, got "
                              f"{pool_factor!r}")
    ids = articles["doc_id"].astype(str)
    done: set[str] = set()
    if isinstance(exclude, pd.DataFrame):
        done = set(exclude["doc_id"].astype(str))
    elif exclude is not None:
        done = {str(x) for x in exclude}
    cand = articles[~ids.isin(done)]
    if n > len(cand):
        raise ValidationError(f"next_to_code: n={n} but only {len(cand)} uncoded documents; ask "
                              f"for at most {len(cand)}")
    pr = model.predict_proba(cand)
    thr = pr["theme"].map(model.thresholds).astype(float)
    # distance to the threshold on the logit scale, smallest over themes
    lg = lambda x: np.log(np.clip(x, 1e-9, 1 - 1e-9) / (1 - np.clip(x, 1e-9, 1 - 1e-9)))  # noqa: E731
    pr["dist"] = np.abs(lg(pr["p_model"].to_numpy()) - lg(thr.to_numpy()))
    dist = pr.groupby("doc_id", sort=False)["dist"].min()
    rng = np.random.default_rng(DEFAULT_RANDOM_STATE if random_state is None else random_state)
    k = int(round(n * float(uncertain_share)))
    order = dist.sort_values(kind="mergesort").index.to_numpy()
    pool = order[: min(len(order), max(k, pool_factor * k))] if k else order[:0]
    rest = np.setdiff1d(np.array(cand["doc_id"].astype(str)), pool)
    k = min(k, len(pool))
    if n - k > len(rest):
        k = n - len(rest)
    pick_u = rng.choice(np.sort(pool), size=k, replace=False) if k else np.array([], dtype=object)
    pick_r = rng.choice(np.sort(rest), size=n - k, replace=False)
    chosen = np.concatenate([pick_u, pick_r])[rng.permutation(n)]
    strata = pd.Series(["uncertain"] * len(pick_u) + ["random"] * len(pick_r),
                       index=np.concatenate([pick_u, pick_r]))
    sheet = coding_sheet(cand, chosen, strata, pd.Series({"uncertain": len(pool),
                                                         "random": len(rest)}),
                         pd.Series({"uncertain": k, "random": n - k}), model.themes)
    if out is not None:
        write_coding_sheet(sheet, out)
    return sheet


# --------------------------------------------------------------------------- model card

def _fmt(x: Any) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.2f}"


def _points_table(model: ThemeModel) -> list[str]:
    """The model card's operating points: threshold and out-of-fold P/R/F1 per theme."""
    pts = model.operating_points
    if not pts.get("precision"):
        return ["", "## Operating points", "",
                "This model has the F1-optimal threshold only (the table above); it was saved "
                "before civictext recorded a precision-oriented operating point. Refit it "
                "(`civictext train-model`) to get one."]
    target = model.info.get("precision_target", DEFAULT_PRECISION_TARGET)
    lines = ["", "## Operating points", "",
             "`--operating-point` / `operating_point=` chooses the threshold of "
             "`present_model`. Use **f1** (the default) for theme shares, corrected or not: "
             "it balances missed and false hits. Use **precision** when you list or read the "
             "articles themselves (case selection, qualitative reading), where a false hit "
             "costs more than a missed one: it is the lowest threshold whose out-of-fold "
             f"precision reached {target:.2f}, and where the F1 threshold's precision is below that "
             "it finds fewer of the relevant articles. "
             "Figures are out-of-fold, design-weighted, inside the training data; held-out "
             "figures are in the evaluation below.", "",
             "| theme | operating point | threshold | out-of-fold precision | recall | F1 | "
             "target reached |", "|---|---|---|---|---|---|---|"]
    for t in model.themes:
        for name in OPERATING_POINTS:
            r = pts.get(name, {}).get(t)
            if r is None:
                continue
            reached = ("yes" if r.get("reached") else "no (highest precision instead)") \
                if name == "precision" else ""
            lines.append(f"| {t} | {name} | {float(r['threshold']):.3f} | "
                         f"{_fmt(r.get('oof_precision_w'))} | {_fmt(r.get('oof_recall_w'))} | "
                         f"{_fmt(r.get('oof_f1_w'))} | {reached} |")
    return lines


def _auto_cell(model: ThemeModel, theme: str) -> str:
    """The model card's "auto" cell: the measure, per length class when they differ."""
    long, short = model.auto_measure(theme, "long"), model.auto_measure(theme, "short")
    name = {"model": "the model", "focus": "the focus rule", "mention": "the mention rule"}
    if model.short_max_tokens is None or long == short:
        return name[long]
    return (f"{name[long]}; {name[short]} in texts of at most {model.short_max_tokens} "
            "tokens")


def _model_card(model: ThemeModel) -> str:
    info = model.info
    tr = info.get("trained_on", {})
    lines = ["# civictext theme model: model card", "",
             "## What it is", "",
             "One L2 logistic regression per theme over civictext tokens (TF-IDF word unigrams "
             "and bigrams, headline tokens) and the lexicon's evidence (hits, headline and lead "
             "hits, share of sentences with a hit, weak-only, length), calibrated on "
             "out-of-fold decisions weighted by the coding sample's design weights. See "
             "`civictext/themes/model.py`.", "",
             "## Intended use", "",
             "Deciding whether each theme of `docs/codebook.md` is a substantial subject of a "
             "Vietnamese news article or news-feed item, for theme shares over time and by "
             "outlet. Report the measure you used; for publication, code a probability sample of "
             "your own corpus and correct the shares (`theme_trends(..., coded=...)`).", "",
             "## Training data", "",
             f"{tr.get('documents', '?')} coded documents"
             + (f" from {', '.join(tr['groups'])}" if tr.get("groups") else "") + ".",
             info.get("training_note", ""), "",
             "| theme | coded | positives | C | weight power | out-of-fold precision | recall |"
             " F1 | threshold | `auto` reads it with |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for t in model.themes:
        s = tr.get("per_theme", {}).get(t, {})
        lines.append(f"| {t} | {s.get('n', '?')} | {s.get('positives', '?')} | "
                     f"{s.get('C', '?')} | {s.get('weight_power', '?')} | "
                     f"{_fmt(s.get('oof_precision_w'))} | {_fmt(s.get('oof_recall_w'))} | "
                     f"{_fmt(s.get('oof_f1_w'))} | {model.thresholds[t]:.3f} | "
                     f"{_auto_cell(model, t)} |")
    lines += _points_table(model)
    cv = info.get("grouped_cv")
    if cv:
        lines += ["", "## Held-out-corpus evaluation", "", cv]
    lines += ["", "## Limits", "",
              "- Trained on four corpora of 2014-2026 Vietnamese national news; other genres "
              "(local portals, social media) and later vocabulary may score differently.",
              "- The themes are rare: corpus-level precision rests on few positives and its "
              "intervals are wide (see the evaluation table).",
              "- Probabilities are calibrated to the training corpora's base rates; shares in a "
              "corpus with other base rates need a coded sample of that corpus.",
              "", f"civictext {info.get('civictext', '?')}, scikit-learn "
              f"{info.get('scikit_learn', '?')}, C={info.get('C') or 'chosen per theme'}, "
              f"random_state={info.get('random_state')}.", ""]
    return "\n".join(lines)
