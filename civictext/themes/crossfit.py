"""Cross-fitted theme-model scores, and which documents a theme model was fitted on.

The corrected share (:mod:`civictext.trends.correction`) is the machine share
plus the inclusion-weighted mean of the coded residuals ``y - f``. It is
unbiased only if the machine measure ``f`` of a coded document does not
depend on that document's own code. A theme model fitted on the coded sample
and then used to score the same documents breaks this: the model has seen
their codes, so their residuals are too small (on planted corpora the
in-sample model found 93-97% of the relevant documents it was fitted on and
13-40% of the others), the correction is pulled toward the raw share and the
interval is too narrow: 40-86% coverage for 90% intervals
(``benchmarks/RESULTS.md``, "Cross-fitted scores").

**Cross-fitting** (Egami, Hinck, Stewart & Wei 2023, design-based supervised
learning; Zrnic & Candes 2024, cross-prediction-powered inference;
Chernozhukov et al. 2018 for the idea) removes the dependence:
:func:`cross_fit_scores` puts every document, coded or not, in one of K folds
at random, fits the theme model K times, each time on the coded documents
*outside* one fold, and scores each document with the model that did not see
its fold. No document's score depends on its own code, so the design-based
estimator and its interval apply unchanged; the cost is K model fits instead
of one (each on (K - 1)/K of the coded documents, so each model is a little
weaker than one fitted on all of them).

**Training record.** :func:`civictext.fit_theme_model` records the documents a
model was fitted on (:func:`training_record`, in ``ThemeModel.info["training_ids"]``,
saved in ``model.json``): salted SHA-256 hashes of each document's
**normalised text** (:func:`text_fingerprint`; no text, no id in clear) and of
its ``doc_id``. :func:`score_themes` passes what the table's measure depends on
to the score table (``attrs["theme_model"]``, :func:`scores_provenance`), and
``theme_trends(..., coded=...)`` refuses to correct a theme whose measure comes
from a model fitted on any of the coded documents (:func:`training_overlap`).

A coded document counts as one the model was fitted on when **its text is the
text of a training document**, whatever its id: ids alone recur in unrelated
corpora (``L01``-``L60`` of the bundled labelled set, ``1``, ``a``, a file's row
numbers), so an id-only check refuses a researcher's own sample whose ids
collide with training ids although the documents differ (a false refusal);
and the same article re-crawled under another id *has* been seen (its code and
its features are the training document's), which only the text shows. The id
is kept in the record for what the text cannot decide: a document with no text
(after normalisation) is matched on its id, and so is every document when the
articles table given to ``theme_trends`` has no ``text`` column. The
fingerprint is exact after normalisation (Unicode NFC, word-segmentation
underscores as spaces, runs of white space as one space, trimmed): a re-crawl
that changed the text (an edit, page furniture the reader kept) is not
matched. Records written before civictext keyed them on the text
(``text_hashes`` absent; the shipped model until it is refitted) are checked
on ids only, with that limitation stated in the refusal.

References
----------
Egami, N., Hinck, M., Stewart, B. M., & Wei, H. (2023). Using imperfect
surrogates for downstream inference: Design-based supervised learning for
social science applications of large language models. *NeurIPS 36*.

Zrnic, T., & Candes, E. J. (2024). Cross-prediction-powered inference.
*Proceedings of the National Academy of Sciences*, 121(15), e2322083121.

Chernozhukov, V., Chetverikov, D., Demirer, M., Duflo, E., Hansen, C., Newey,
W., & Robins, J. (2018). Double/debiased machine learning for treatment and
structural parameters. *The Econometrics Journal*, 21(1), C1-C68.
"""
from __future__ import annotations

import hashlib
import unicodedata
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import ModelError
from civictext.ingest.reader import check_articles

if TYPE_CHECKING:  # annotations only: importing this module loads no lexicon code
    from civictext.themes.lexicon import Lexicon

__all__ = ["cross_fit_scores", "training_record", "training_overlap", "training_key",
           "text_fingerprint", "scores_provenance", "check_cross_fit", "DEFAULT_FOLDS",
           "HASH_SCHEME", "TEXT_SCHEME"]

#: Folds of :func:`cross_fit_scores` unless told otherwise.
DEFAULT_FOLDS = 5
#: How ``info["training_ids"]["hashes"]`` are made from a ``doc_id``.
HASH_SCHEME = "sha256(salt + doc_id), first 16 hex digits, sorted"
#: How ``info["training_ids"]["text_hashes"]`` are made from a document's text.
TEXT_SCHEME = ("sha256(salt + text_fingerprint(text)), first 16 hex digits, sorted; "
               "text_fingerprint: sha256 of the text in NFC, '_' as space, white space "
               "runs as one space, trimmed; documents with no text are matched on their id")


# --------------------------------------------------------------------------- training record

def _hash_ids(ids: Iterable[str], salt: str) -> list[str]:
    return [hashlib.sha256((salt + str(d)).encode("utf-8")).hexdigest()[:16] for d in ids]


def _normalise_text(text: Any) -> str:
    if text is None or (isinstance(text, float) and text != text):  # None / NaN: no text
        return ""
    s = unicodedata.normalize("NFC", str(text)).replace("_", " ")
    return " ".join(s.split())


def text_fingerprint(text: Any) -> str:
    """SHA-256 (hex) of a document's normalised text; ``""`` for a document with no text.

    Normalised: Unicode NFC, word-segmentation underscores as spaces
    (``cải_cách`` = ``cải cách``), runs of white space as one space, trimmed;
    so the same article read from a pre-segmented file or re-crawled with other
    line breaks has the same fingerprint, and any other change to its text
    (one character) gives another.

    >>> text_fingerprint("Cải_cách  hành chính\\n") == text_fingerprint("Cải cách hành chính")
    True
    >>> text_fingerprint("   ")
    ''
    """
    norm = _normalise_text(text)
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else ""


def _hash_texts(fingerprints: Iterable[str], salt: str) -> list[str]:
    return _hash_ids(fingerprints, salt)


def training_record(ids: Iterable[Any], texts: Iterable[Any] | None = None) -> dict[str, Any]:
    """What a model's ``info["training_ids"]`` holds: the documents it was fitted on.

    ``{"scheme": HASH_SCHEME, "salt": str, "n": int, "hashes": [str, ...]}``:
    each ``doc_id`` hashed with the salt (16 hex digits of SHA-256, sorted, so
    neither the ids nor their order are stored). With ``texts`` (one per id,
    in the same order: the documents' ``text``), also ``"text_scheme":
    TEXT_SCHEME, "text_hashes": [str, ...]``: each document's
    :func:`text_fingerprint` hashed with the same salt (documents with no text
    are left out: they are matched on their id). :func:`training_overlap` then
    matches coded documents on their text (see the module docstring for why).
    The salt is derived from the ids themselves, so the same training set gives
    the same record (a saved model stays byte-for-byte reproducible) and two
    models' records cannot be matched hash for hash unless they were fitted on
    the same documents.

    >>> r = training_record(["a", "b"], ["first text", "second text"])
    >>> r["n"], len(r["hashes"][0]), len(r["text_hashes"]), "a" in r["hashes"]
    (2, 16, 2, False)
    """
    ids = [str(d) for d in ids]
    uniq = sorted(set(ids))
    salt = hashlib.sha256(("civictext-training-ids\x1f" + "\x1f".join(uniq))
                          .encode("utf-8")).hexdigest()[:16]
    rec: dict[str, Any] = {"scheme": HASH_SCHEME, "salt": salt, "n": len(uniq),
                           "hashes": sorted(_hash_ids(uniq, salt))}
    if texts is not None:
        texts = list(texts)
        if len(texts) != len(ids):
            raise ModelError(f"training_record: {len(texts)} texts for {len(ids)} ids; give "
                             f"one text per id")
        fps = {text_fingerprint(t) for t in texts} - {""}
        rec["text_scheme"] = TEXT_SCHEME
        rec["text_hashes"] = sorted(_hash_texts(sorted(fps), salt))
    return rec


def training_key(record: dict[str, Any] | None) -> str | None:
    """What :func:`training_overlap` matches documents on with this record:
    ``"text"`` (the record has text fingerprints), ``"id"`` (an id-only record,
    written before civictext recorded texts), or None (no record).

    >>> training_key(training_record(["a"], ["x"])), training_key(training_record(["a"]))
    ('text', 'id')
    """
    if not record or "salt" not in record or "hashes" not in record:
        return None
    return "text" if "text_hashes" in record else "id"


def training_overlap(record: dict[str, Any] | None, ids: Iterable[Any],
                     texts: Iterable[Any] | None = None) -> list[str] | None:
    """The ``ids`` whose documents are among a model's training documents (None: not recorded).

    ``record`` is a model's ``info["training_ids"]`` (:func:`training_record`),
    or the compact form :func:`scores_provenance` keeps (hashes packed in one
    ``str`` of 16-hex-digit digests). With ``texts`` (one per id, the coded
    documents' ``text``) and a record that has text fingerprints, a document
    counts as seen when its text is a training document's text (whatever its
    id; a document with no text: when its id is a training id). Otherwise (an
    id-only record, or no texts) when its id is a training id: then an
    unrelated document that shares an id with a training document counts as
    seen too, and a training document under another id does not.

    >>> rec = training_record(["L01", "L02"], ["one text", "another text"])
    >>> training_overlap(rec, ["L01", "mine-7"], ["a different text", "one text"])
    ['mine-7']
    >>> training_overlap(rec, ["L01", "x"])       # no texts: ids only
    ['L01']
    """
    key = training_key(record)
    if key is None:
        return None
    assert record is not None
    ids = [str(d) for d in ids]
    salt = str(record["salt"])

    def known(field: str) -> set[str]:
        hashes = record.get(field) or []
        return _unpack(hashes) if isinstance(hashes, str) else set(hashes)

    by_id = known("hashes")
    if key == "text" and texts is not None:
        texts = list(texts)
        if len(texts) != len(ids):
            raise ModelError(f"training_overlap: {len(texts)} texts for {len(ids)} ids; give "
                             f"one text per id")
        by_text = known("text_hashes")
        seen: dict[str, None] = {}
        for d, t in zip(ids, texts):
            fp = text_fingerprint(t)
            h = _hash_texts([fp], salt)[0] if fp else _hash_ids([d], salt)[0]
            if h in (by_text if fp else by_id):
                seen[d] = None
        return list(seen)
    uniq = list(dict.fromkeys(ids))
    return [d for d, h in zip(uniq, _hash_ids(uniq, salt)) if h in by_id]


def _pack(hashes: Sequence[str]) -> str:
    # one immutable str: pandas deep-copies attrs on nearly every operation, and
    # writes them as JSON with to_parquet (the Dask engine's partitions; a user's file)
    return "".join(hashes)


def _unpack(blob: str) -> set[str]:
    return {blob[i:i + 16] for i in range(0, len(blob), 16)}


def scores_provenance(model: Any, presence: str, *, cross_fit: dict[str, Any] | None = None,
                      operating_point: str = "f1") -> dict[str, Any]:
    """What a score table's measure owes to a theme model (its ``attrs["theme_model"]``).

    ``present_from_model``: the themes whose ``present`` is the model's verdict
    (``presence="model"``: every theme of the model; ``"auto"``: those whose
    measure is the model in either length class, :meth:`ThemeModel.auto_measure`,
    for some or all of their documents); ``model_themes``: the themes with ``p_model`` /
    ``present_model``; ``training``: the model's training record (None when
    the model predates it), with the id hashes (``hashes``) and, for a record
    keyed on the texts, the text hashes (``text_hashes``) each packed in one
    ``str`` (cheap to copy, and JSON for ``to_parquet``); ``cross_fit``: for :func:`cross_fit_scores`, the folds (then every
    document was scored by a model that did not see it); ``operating_point``: the
    model's threshold that gave ``present_model`` ("f1" or "precision").
    """
    themes = list(model.themes)
    if presence == "model":
        from_model = themes
    elif presence == "auto":
        from_model = [t for t in themes
                      if "model" in (model.auto_measure(t, "long"), model.auto_measure(t, "short"))]
    else:
        from_model = []
    rec = (model.info or {}).get("training_ids")
    training = None
    if isinstance(rec, dict) and "hashes" in rec and "salt" in rec:
        training = {"salt": str(rec["salt"]), "n": int(rec.get("n", len(rec["hashes"]))),
                    "hashes": _pack(rec["hashes"])}
        if "text_hashes" in rec:  # keyed on the texts (training_overlap)
            training["text_hashes"] = _pack(rec["text_hashes"])
    return {"present_from_model": from_model, "model_themes": themes, "training": training,
            "cross_fit": cross_fit, "operating_point": operating_point}


# --------------------------------------------------------------------------- cross-fitting

def _coded_folds(long: pd.DataFrame, themes: Sequence[str], folds: int,
                 rng: np.random.Generator) -> pd.Series:
    """Fold of each coded document, balanced within each pattern of codes.

    Documents with the same codes over ``themes`` are shuffled and dealt to
    the folds in turn (from a random first fold), so every fold's complement
    holds about (K - 1)/K of each theme's positives and negatives.
    """
    wide = (long[long["theme"].isin(themes)]
            .pivot_table(index="doc_id", columns="theme", values="relevant", aggfunc="max")
            .reindex(columns=list(themes)).fillna(-1).astype(int))
    ids = sorted(set(long["doc_id"]))
    wide = wide.reindex(ids).fillna(-1).astype(int)
    pattern = wide.astype(str).agg("".join, axis=1) if len(themes) else pd.Series("", index=ids)
    out = pd.Series(0, index=pd.Index(ids, name="doc_id"), dtype="int64")
    start = 0
    for _, members in pattern.groupby(pattern, sort=True):
        order = members.index.to_numpy()[rng.permutation(len(members))]
        out.loc[order] = (start + np.arange(len(order))) % folds
        start = (start + len(order)) % folds
    return out


def check_cross_fit(coded: Any, *, folds: int = DEFAULT_FOLDS, themes: Sequence[str] | None = None,
                    lexicon: Lexicon | None = None,
                    random_state: int | None = DEFAULT_RANDOM_STATE,
                    where: str = "cross_fit_scores", name: str = "folds"
                    ) -> tuple[pd.DataFrame, list[str], pd.Series]:
    """Check that ``coded`` can be cross-fitted with ``folds`` folds, before any corpus work.

    Returns the long coded table, the themes to fit and each coded document's
    fold. Raises :class:`~civictext.errors.ModelError` naming the parameter and
    the fix: ``folds`` not a whole number >= 2; a theme with fewer coded
    positives (or negatives) than folds (use fewer); a fold whose complement
    has fewer than :data:`civictext.themes.model.MIN_POSITIVES` positives or
    negatives of a theme, so the model for that fold could not be fitted (use
    more folds, or code more). ``name``: how the
    messages call the folds (``"--cross-fit"`` on the command line).
    """
    from civictext.themes.model import MIN_POSITIVES, _lexicon, coded_long

    def said(k: Any) -> str:
        return f"{name}={k}" if name.isidentifier() else f"{name} {k}"

    drop = ("leave the theme out (themes=[...])" if name.isidentifier() else
            "drop the theme's rows from the coded file")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ModelError(f"{where}: {name} must be a whole number >= 2 (each document is scored "
                         f"by a model fitted on the other folds), got {folds!r}; "
                         f"{DEFAULT_FOLDS} is the usual choice")
    folds = int(folds)
    lex = _lexicon(lexicon)
    long = coded_long(coded, lex.themes, where=where)
    if themes is None:
        themes = [t for t in lex.themes if t in set(long["theme"])]
    else:
        themes = list(themes)
        unknown = [t for t in themes if t not in set(long["theme"])]
        if unknown:
            raise ModelError(f"{where}: themes {unknown} are not coded in coded; give themes "
                             f"that are (coded: {sorted(set(long['theme']))})")
    if not themes:
        raise ModelError(f"{where}: no theme is coded; code at least one theme")
    for t in themes:
        sub = long[long["theme"] == t]
        pos, neg = int(sub["relevant"].sum()), int((1 - sub["relevant"]).sum())
        if min(pos, neg) < folds:
            raise ModelError(f"{where}: {said(folds)} but theme {t!r} has {pos} positive and "
                             f"{neg} negative coded documents; every fold needs some of each. "
                             f"Use fewer folds ({said(max(min(pos, neg), 2))} or fewer), code "
                             f"more documents, or {drop}")
    rng = np.random.default_rng(DEFAULT_RANDOM_STATE if random_state is None else random_state)
    fold_of = _coded_folds(long, themes, folds, rng)
    doc_fold = long["doc_id"].map(fold_of)
    for t in themes:
        sub = long[long["theme"] == t]
        f = doc_fold[sub.index]
        for k in range(folds):
            train = sub[f != k]
            pos, neg = int(train["relevant"].sum()), int((1 - train["relevant"]).sum())
            if pos < MIN_POSITIVES or neg < MIN_POSITIVES:
                # the complement of a fold holds about (K - 1)/K of the codes: more folds,
                # more codes per fit (until K exceeds the positives); the fewest that fit all
                least = min(min(int(g["relevant"].sum()), int((1 - g["relevant"]).sum()))
                            for _, g in long[long["theme"].isin(themes)].groupby("theme"))
                more = next((j for j in range(folds + 1, least + 1)
                             if least - -(-least // j) >= MIN_POSITIVES), None)
                fix = (f"use more folds ({said(more)}: each model is fitted on more of the "
                       f"codes), code more documents, or {drop}" if more else
                       f"code more documents of the theme (at least {MIN_POSITIVES + 2} "
                       f"positive and negative), or {drop}")
                raise ModelError(
                    f"{where}: with {said(folds)}, the model for fold {k} would be fitted on "
                    f"{pos} positive and {neg} negative coded documents of theme {t!r}; at "
                    f"least {MIN_POSITIVES} of each are needed: {fix}")
    return long, list(themes), fold_of


def cross_fit_scores(
    articles: pd.DataFrame,
    coded: Any,
    *,
    folds: int = DEFAULT_FOLDS,
    themes: Sequence[str] | None = None,
    lexicon: Lexicon | None = None,
    C: float | None = None,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    n_jobs: int = 1,
    n_tokens: Any = None,
    operating_point: str = "f1",
) -> pd.DataFrame:
    """Theme scores in which no document is scored by a model fitted on its own code.

    Every document of ``articles`` (coded or not) is put in one of ``folds``
    folds at random (``fold`` column; coded documents dealt evenly within each
    pattern of codes, the others shuffled); the theme model is fitted
    ``folds`` times with :func:`civictext.fit_theme_model`, each time on the
    coded documents outside one fold, and each document gets ``p_model`` and
    ``present_model`` from the model that did not see its fold. Use the result
    where a theme model's scores meet the coded sample it was fitted on:
    ``theme_trends(cross_fit_scores(articles, coded), articles, coded=coded)``
    gives design-based corrected shares without the in-sample bias (the
    corrected share needs a machine measure that does not depend on the
    coded documents' own codes; a model scoring the documents it was fitted
    on does, and its intervals under-cover: ``benchmarks/RESULTS.md``).
    Correct from the cross-fitted probability,
    ``theme_trends(..., coded=coded, measure="p_model")``, as ``civictext
    run --cross-fit`` does: in the simulations its 90% intervals covered the
    truth in 90-93% of cells, those from the 0/1 verdict ``present`` in
    69-93% (the K fitted models differ, most in their thresholds, and
    the interval treats the scores as fixed).

    This is the cross-fitting of design-based supervised learning (Egami et
    al. 2023) and cross-prediction-powered inference (Zrnic & Candes 2024);
    see :mod:`civictext.themes.crossfit`. **Cost**: ``folds`` model fits, each
    on (folds - 1)/folds of the coded documents, plus one scoring pass over
    the corpus (as ``score_themes`` with a model): about ``folds`` times the
    time of one ``fit_theme_model``. Each fold's model is fitted on fewer
    codes than one model on all of them, so it is slightly weaker (the
    interval, not the validity, pays for that).

    Parameters
    ----------
    articles : DataFrame
        The articles table (every coded ``doc_id`` in it).
    coded : DataFrame or path
        The coded sample (anything :func:`civictext.read_coded` reads); the
        same table then goes to ``theme_trends(..., coded=...)``.
    folds : int, keyword-only
        K >= 2 (default 5). Every theme needs at least K coded positives and
        negatives, and each fold's complement
        :data:`civictext.themes.model.MIN_POSITIVES` of each.
    themes, lexicon, C, n_jobs : keyword-only
        As in :func:`civictext.fit_theme_model` (default themes: every coded
        theme of the lexicon).
    random_state : int, keyword-only
        Seed of the folds and of every fit (default 0).
    n_tokens : keyword-only, optional
        As in :func:`civictext.score_themes` (token counts for ``per_1k``;
        default: counted).
    operating_point : {"f1", "precision"}, keyword-only
        The threshold of ``present_model`` (and so ``present``): each fold's
        model uses its own operating point, chosen in its own training codes
        (:func:`civictext.fit_theme_model`); ``p_model`` does not depend on it.

    Returns
    -------
    DataFrame
        One row per (document, lexicon theme), as ``score_themes(...,
        presence="model")`` returns: :data:`civictext.themes.scoring.SCORE_COLUMNS`,
        ``p_model``, ``present_model`` (NaN / False for themes not fitted) and
        ``fold`` (int, 0 to K-1). ``present`` is the cross-fitted model's
        verdict for the fitted themes, the focus rule for the others.
        ``attrs["theme_model"]`` says the scores are cross-fitted (what
        ``theme_trends`` checks); ``attrs["cross_fit"]``: ``folds``,
        ``random_state``, ``themes``, per fold the number of coded documents
        fitted on and scored, and each fold's thresholds (at the operating
        point; ``operating_point`` is recorded when it is not "f1").

    Raises
    ------
    ModelError
        ``folds`` < 2 or not a whole number; a theme with fewer coded
        positives or negatives than ``folds``; a fold whose complement has too
        few of a theme to fit it (each message says what to change); and the
        errors of :func:`civictext.fit_theme_model`.

    Examples
    --------
    >>> import civictext as ct
    >>> lab = ct.load_labelled_set()            # 60 coded paragraphs, every one coded
    >>> s = ct.cross_fit_scores(lab, lab, folds=2, themes=["reform"], random_state=0)
    >>> sorted(s["fold"].unique().tolist()), s.attrs["cross_fit"]["folds"]
    ([0, 1], 2)
    """
    from civictext.themes.model import _check_ids, check_operating_point, fit_theme_model
    from civictext.themes.scoring import MODEL_COLUMNS, SCORE_COLUMNS, score_themes

    where = "cross_fit_scores"
    check_operating_point(operating_point, where)
    articles = check_articles(articles, where, error=ModelError)
    rs = DEFAULT_RANDOM_STATE if random_state is None else int(random_state)
    long, themes, fold_of = check_cross_fit(coded, folds=folds, themes=themes, lexicon=lexicon,
                                            random_state=rs, where=where)
    folds = int(folds)
    ids = articles["doc_id"].astype(str)
    _check_ids(long, ids, where)
    if ids.duplicated().any():
        raise ModelError(f"{where}: articles has duplicate doc_id values (e.g. "
                         f"{ids[ids.duplicated()].iloc[0]!r}); doc_id must identify one article")
    # the uncoded documents: shuffled and dealt to the folds (their own stream of the seed)
    rng = np.random.default_rng(np.random.SeedSequence([rs, 16]))
    fold = ids.map(fold_of)
    rest = np.flatnonzero(fold.isna().to_numpy())
    fold.iloc[rest[rng.permutation(len(rest))]] = np.arange(len(rest)) % folds
    fold = fold.astype("int64")
    base = score_themes(articles, presence="focus", lexicon=lexicon, n_tokens=n_tokens)
    preds, per_fold = [], []
    for k in range(folds):
        train_ids = set(fold_of.index[fold_of != k])
        model = fit_theme_model(articles[ids.isin(train_ids).to_numpy()],
                                long[long["doc_id"].isin(train_ids)], themes=themes,
                                lexicon=lexicon, C=C, random_state=rs, n_jobs=n_jobs)
        scored = articles[(fold == k).to_numpy()]
        if len(scored):
            preds.append(model.predict_proba(scored, n_jobs=n_jobs,
                                             operating_point=operating_point))
        cut = model.thresholds_at(operating_point, where=where)
        per_fold.append({"fold": k, "coded_fitted_on": len(train_ids),
                         "documents_scored": int(len(scored)),
                         "coded_scored": int((fold_of == k).sum()),
                         "thresholds": {t: cut[t] for t in themes}})
    pred = (pd.concat(preds, ignore_index=True) if preds else
            pd.DataFrame(columns=["doc_id", "theme", "p_model", "present_model"]))
    out = base.drop(columns=[c for c in MODEL_COLUMNS if c in base.columns]).merge(
        pred, on=["doc_id", "theme"], how="left", sort=False)
    out["p_model"] = out["p_model"].astype("float64")
    out["present_model"] = out["present_model"].astype("boolean").fillna(False).astype(bool)
    fitted = out["theme"].isin(themes).to_numpy()
    out["present"] = np.where(fitted, out["present_model"], out["present"]).astype(bool)
    out["fold"] = out["doc_id"].astype(str).map(pd.Series(fold.to_numpy(), index=ids.to_numpy())
                                                ).astype("int64")
    out = out[SCORE_COLUMNS + MODEL_COLUMNS + ["fold"]].reset_index(drop=True)
    info: dict[str, Any] = {"folds": folds, "random_state": rs, "themes": list(themes),
                            "coded_documents": int(len(fold_of)), "per_fold": per_fold}
    if operating_point != "f1":  # the default is not written (manifests stay as they were)
        info["operating_point"] = operating_point
    out.attrs["theme_model"] = {"present_from_model": list(themes), "model_themes": list(themes),
                                "training": None, "cross_fit": {"folds": folds,
                                                                "random_state": rs},
                                "operating_point": operating_point}
    out.attrs["cross_fit"] = info
    return out
