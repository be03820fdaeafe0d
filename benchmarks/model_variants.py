"""Theme model variants against the shipped model's recipe (issue 15, sessions 10-11).

Protocol: *selection* on the folds holding out news-feed, vn4news2020 and dantri-unc
with vnds-train removed from training and evaluation; *confirmation* once, trained on
everything except vnds-train and evaluated on vnds-train. The bundled labelled
paragraphs are training data in every fold (as in train_theme_model.py), never evaluated.
Each fold refits the vectorizer, the per-theme (C, weight power) choice from GRID,
calibration and the F1 threshold inside the training data only (fit_theme_model's
recipe, via model._fit_one). Metrics: themes.model._metrics (design-weighted, stratified
bootstrap); paired difference: the same stratified resamples for both measures.

Variants (``--variant``; "baseline" is the shipped recipe, always run beside it):

* "position" (session 10): the baseline's features plus the first third of the body's
  tokens as their own ``p:``-prefixed block in the same TF-IDF (the subject is set early).
* "stack" (session 11): the baseline's per-theme calibrated linear model, then a second
  stage, sklearn HistGradientBoostingClassifier (random_state 0, max_depth 3, max_iter
  200, learning_rate 0.05), on [the linear model's out-of-fold decision value on the
  training set (cross_val_predict with the (C, weight power) _fit_one chose, 5-fold
  StratifiedKFold, shuffle, random_state 0; fewer folds only if a class has fewer than 5
  documents, as model._oof), the lexicon evidence columns (``lex``, every theme's)],
  sample weights ``1 / pi`` (divided by their mean). At test time the first stage is the
  linear model fitted on the whole training data. The threshold maximises design-weighted
  F1 on the second stage's own out-of-fold probabilities on the training data (the same
  folds; model._best_threshold, the baseline's rule).
* "unlabelled_idf" (session 11): the TfidfVectorizer's vocabulary and idf fitted on the
  training fold's coded documents plus N_UNLABELLED (5,000) unlabelled articles of the
  fold's training corpora (never the held-out corpus, never vnds-train or vnds-test; the
  bundled paragraphs are no corpus): for each of news-feed, vn4news2020, dantri-unc a
  seeded permutation (numpy default_rng(0)) of its uncoded ids, read with read_corpus and
  made into the same doc strings as _features (model._token_docs); a fold takes the first
  n_c of each training corpus, n_c proportional to the corpus's uncoded documents (a
  proportionally stratified random sample). The classifiers still train on coded
  documents only.
* "lead_lex" (session 11): the baseline's features plus the 27 per-theme lexicon evidence
  columns (model._lexicon_block without its 3 length columns) recomputed on the headline
  (the title when the text starts with it, else the first sentence) and the 3 sentences
  after it (scoring.split_sentences), i.e. on that prefix of ``text``.

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora .venv/bin/python \
        benchmarks/model_variants.py --stage select --n-boot 200
    ... --stage select --variant stack --n-boot 200 --cache /tmp/mv2/feats.pkl
    ... --stage confirm --variant position --n-boot 200

The unlabelled sample's docs and the lead block are cached beside ``--cache``
(``<stem>.unlabelled.pkl``, ``<stem>.lead.pkl``).
"""
from __future__ import annotations

import argparse
import gzip
import json
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402
from train_theme_model import LABELS, PATHS, THEMES, training_set  # noqa: E402

from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.themes.model import (  # noqa: E402
    GRID,
    _best_threshold,
    _classifier,
    _features,
    _fit_one,
    _lexicon,
    _lexicon_block,
    _metrics,
    _score_frame,
    _token_docs,
    _vectorizer,
    _weighted_prf,
)
from civictext.themes.scoring import split_sentences  # noqa: E402

SELECT_FOLDS = ("news-feed", "vn4news2020", "dantri-unc")
VARIANTS = ("position", "stack", "unlabelled_idf", "lead_lex")
#: The corpora an unlabelled sample may come from (training corpora of some fold).
UNLABELLED_CORPORA = ("news-feed", "vn4news2020", "dantri-unc")
N_UNLABELLED = 5000
#: Sentences after the headline in the lead_lex block.
LEAD_SENTENCES = 3


def load(cache: Path | None):
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    coded = pd.read_csv(LABELS / "coded.csv", dtype={"doc_id": str, "stratum": str})
    allarts, long = training_set(coded)
    lex = _lexicon(None)
    f = _features(allarts, lex, lex.themes)
    out = (long, f.ids.tolist(), f.docs, f.lex, list(lex.themes))
    if cache is not None:
        cache.write_bytes(pickle.dumps(out))
    return out


def position_docs(docs: list[str]) -> list[str]:
    """Each doc string plus ``p:`` copies of the first third of its body tokens."""
    out = []
    for d in docs:
        body = [w for w in d.split(" ") if w and not w.startswith("h:")]
        k = max(1, len(body) // 3) if body else 0
        out.append(d + (" " + " ".join("p:" + w for w in body[:k]) if k else ""))
    return out


def _cached(path: Path | None, build):
    if path is not None and path.exists():
        return pickle.loads(path.read_bytes())
    out = build()
    if path is not None:
        path.write_bytes(pickle.dumps(out))
    return out


def _allocation(pools: dict[str, int], corpora: list[str], n: int = N_UNLABELLED
                ) -> dict[str, int]:
    """n split over ``corpora`` in proportion to their uncoded documents (largest
    remainder)."""
    tot = sum(pools[c] for c in corpora)
    raw = {c: n * pools[c] / tot for c in corpora}
    out = {c: int(np.floor(v)) for c, v in raw.items()}
    for c in sorted(corpora, key=lambda c: out[c] - raw[c])[:n - sum(out.values())]:
        out[c] += 1
    return out


def _corpus_ids(corpus: str) -> list[str]:
    path = shared_root() / PATHS[corpus]
    if path.is_dir():
        return read_corpus(path)["doc_id"].astype(str).tolist()
    with gzip.open(path, "rt", encoding="utf-8") as src:
        return [str(json.loads(line)["id"]) for line in src]


def _read_ids(corpus: str, want: list[str]) -> pd.DataFrame:
    """The articles of ``want`` read with read_corpus (as train_theme_model.coded_articles)."""
    path, keep = shared_root() / PATHS[corpus], set(want)
    if path.is_dir():
        arts = read_corpus(path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"{corpus}.jsonl.gz"
            with gzip.open(path, "rt", encoding="utf-8") as src, \
                    gzip.open(out, "wt", encoding="utf-8") as dst:
                for line in src:
                    if str(json.loads(line).get("id")) in keep:
                        dst.write(line)
            arts = read_corpus(out)
    return arts[arts["doc_id"].astype(str).isin(keep)].reset_index(drop=True)


def load_unlabelled(long: pd.DataFrame, path: Path | None):
    """Per corpus of UNLABELLED_CORPORA: ``(n_uncoded, ids, docs)``, ids in the seeded
    order, as many as the largest allocation of any fold (select folds and confirm) needs."""
    def build():
        coded = set(long["doc_id"].astype(str))
        pools = {}
        for c in UNLABELLED_CORPORA:
            pools[c] = sorted(set(_corpus_ids(c)) - coded)
        n = {c: len(v) for c, v in pools.items()}
        folds = [[x for x in UNLABELLED_CORPORA if x != g] for g in SELECT_FOLDS]
        folds.append(list(UNLABELLED_CORPORA))  # confirm: everything but vnds-train
        need = {c: max(_allocation(n, f).get(c, 0) for f in folds) for c in UNLABELLED_CORPORA}
        out = {}
        for c in UNLABELLED_CORPORA:
            order = [pools[c][i] for i in np.random.default_rng(0).permutation(len(pools[c]))]
            want = order[:int(need[c] * 1.02) + 10]  # a margin for items the reader skips
            arts = _read_ids(c, want)
            docs, _ = _token_docs(arts)
            by_id = dict(zip(arts["doc_id"].astype(str), docs))
            ids = [i for i in want if i in by_id][:need[c]]
            out[c] = (n[c], ids, [by_id[i] for i in ids])
            print(f"unlabelled {c}: {len(ids)} of {n[c]} uncoded (needed {need[c]}, "
                  f"read {len(arts)} of {len(want)})", flush=True)
        return out
    return _cached(path, build)


def lead_text(articles: pd.DataFrame, k: int = LEAD_SENTENCES) -> list[str]:
    """Per document, the prefix of ``text`` up to the end of the k-th sentence after the
    headline (the title when the text starts with it, else the first sentence)."""
    out = []
    titles = (articles["title"].fillna("").astype(str).tolist() if "title" in articles.columns
              else [""] * len(articles))
    for title, text in zip(titles, articles["text"].fillna("").astype(str).tolist()):
        spans = split_sentences(text)
        title = title.strip()
        if title and text.startswith(title):
            rest = [sp for sp in spans if sp[0] >= len(title)][:k]
            end = rest[-1][1] if rest else len(title)
        else:
            end = spans[min(k, len(spans) - 1)][1] if spans else 0
        out.append(text[:end])
    return out


def load_lead(ids: list[str], path: Path | None) -> np.ndarray:
    """The lead_lex block (27 columns), rows in the order of ``ids``."""
    def build():
        coded = pd.read_csv(LABELS / "coded.csv", dtype={"doc_id": str, "stratum": str})
        allarts, _ = training_set(coded)
        lex = _lexicon(None)
        short = allarts.assign(text=lead_text(allarts)).reset_index(drop=True)
        sids = short["doc_id"].astype(str)
        block = _lexicon_block(_score_frame(short, lex), sids, lex.themes,
                               np.ones(len(short)))[:, :9 * len(lex.themes)]
        pos = {d: i for i, d in enumerate(sids)}
        return block[[pos[i] for i in ids]]
    return _cached(path, build)


def _stack_one(Xs, y, w, lex_tr, Xt, lex_te, clf, chosen, rs):
    """The "stack" variant for one theme: (test probabilities, threshold)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    k = int(min(5, y.sum(), (1 - y).sum()))
    skf = StratifiedKFold(n_splits=max(k, 2), shuffle=True, random_state=0)
    sw1 = (w / w.mean()) ** chosen["weight_power"]
    oof = cross_val_predict(_classifier(chosen["C"], rs), Xs, y, cv=skf,
                            method="decision_function", params={"sample_weight": sw1})
    Z = np.column_stack([oof, lex_tr])
    sw2 = w / w.mean()

    def gb():
        return HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.05,
                                              random_state=0)
    p_oof = cross_val_predict(gb(), Z, y, cv=skf, method="predict_proba",
                              params={"sample_weight": sw2})[:, 1]
    thr = _best_threshold(y, p_oof, w)
    second = gb().fit(Z, y, sample_weight=sw2)
    p = second.predict_proba(np.column_stack([clf.decision_function(Xt), lex_te]))[:, 1]
    return p, thr


def fold_predict(variant, long, ids, docs, lex, train_groups, test_group, rs=0, extra=None):
    row = {d: i for i, d in enumerate(ids)}
    train = long[long["corpus"].isin(train_groups)]
    test = long[long["corpus"] == test_group]
    tr_ids = list(dict.fromkeys(train["doc_id"]))
    te_ids = list(dict.fromkeys(test["doc_id"]))
    d = position_docs(docs) if variant == "position" else docs
    vec = _vectorizer()
    tr_docs = [d[row[i]] for i in tr_ids]
    if variant == "unlabelled_idf":
        assert test_group not in train_groups and "vnds-test" not in train_groups
        corpora = [c for c in UNLABELLED_CORPORA if c in train_groups]
        alloc = _allocation({c: extra[c][0] for c in corpora}, corpora)
        unl = [doc for c in corpora for doc in extra[c][2][:alloc[c]]]
        assert all(len(extra[c][2]) >= alloc[c] for c in corpora)
        print(f"  unlabelled for idf: {alloc}", flush=True)
        vec.fit(tr_docs + unl)
        Ttr = vec.transform(tr_docs)
    else:
        Ttr = vec.fit_transform(tr_docs)
    blocks_tr = [Ttr, sparse.csr_matrix(lex[[row[i] for i in tr_ids]])]
    blocks_te = [vec.transform([d[row[i]] for i in te_ids]),
                 sparse.csr_matrix(lex[[row[i] for i in te_ids]])]
    if variant == "lead_lex":
        blocks_tr.append(sparse.csr_matrix(extra[[row[i] for i in tr_ids]]))
        blocks_te.append(sparse.csr_matrix(extra[[row[i] for i in te_ids]]))
    Xtr = sparse.hstack(blocks_tr, format="csr")
    Xte = sparse.hstack(blocks_te, format="csr")
    rtr = {x: i for i, x in enumerate(tr_ids)}
    rte = {x: i for i, x in enumerate(te_ids)}
    parts = []
    for t in THEMES:
        sub = train[train.theme == t]
        y = sub["relevant"].to_numpy()
        w = 1.0 / sub["pi"].to_numpy()
        itr = sub["doc_id"].map(rtr).to_numpy()
        clf, (a, b), thr, _, chosen = _fit_one(Xtr[itr], y, w, grid=GRID, random_state=rs)
        tst = test[test.theme == t].copy()
        ite = tst["doc_id"].map(rte).to_numpy()
        if variant == "stack":
            lex_tr = lex[[row[tr_ids[i]] for i in itr]]
            lex_te = lex[[row[te_ids[i]] for i in ite]]
            tst["p"], thr = _stack_one(Xtr[itr], y, w, lex_tr, Xte[ite], lex_te, clf, chosen,
                                       rs)
        else:
            dec = clf.decision_function(Xte[ite])
            tst["p"] = 1.0 / (1.0 + np.exp(-(a * dec + b)))
        tst["pred"] = (tst["p"] >= thr).astype(int)
        tst["group"] = test_group
        parts.append(tst)
    return pd.concat(parts, ignore_index=True)


def paired(base: pd.DataFrame, var: pd.DataFrame, n_boot: int, rs: int = 0) -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(rs)
    m = base.merge(var[["doc_id", "theme", "pred"]], on=["doc_id", "theme"],
                   suffixes=("_b", "_v"))
    for t, sub in m.groupby("theme", sort=False):
        y, w = sub["relevant"].to_numpy(), 1.0 / sub["pi"].to_numpy()
        yb, yv = sub["pred_b"].to_numpy(), sub["pred_v"].to_numpy()
        diff = _weighted_prf(y, yv, w)[2] - _weighted_prf(y, yb, w)[2]
        keys = (sub["group"].astype(str) + "|" + sub["stratum"].astype(str)).to_numpy()
        cells = [np.flatnonzero(keys == k) for k in np.unique(keys)]
        bs = []
        for _ in range(n_boot):
            i = np.concatenate([c[rng.integers(0, len(c), len(c))] for c in cells])
            bs.append(_weighted_prf(y[i], yv[i], w[i])[2] - _weighted_prf(y[i], yb[i], w[i])[2])
        rows.append({"theme": t, "dF1": diff, "lo": np.percentile(bs, 2.5),
                     "hi": np.percentile(bs, 97.5)})
    return pd.DataFrame(rows)


def table(preds: dict[str, pd.DataFrame], n_boot: int) -> None:
    ms = pd.concat([_metrics(p, name, "pooled", n_boot=n_boot, random_state=0)
                    for name, p in preds.items()])
    f = lambda r, k: f"{r[k + '_w']:.2f} ({r[k + '_lo']:.2f}-{r[k + '_hi']:.2f})"  # noqa: E731
    print("| theme | measure | n | P (95% CI) | R (95% CI) | F1 (95% CI) |")
    print("|---|---|---|---|---|---|")
    for t in THEMES:
        for _, r in ms[ms.theme == t].iterrows():
            print(f"| {t} | {r.measure} | {r.n} | {f(r, 'precision')} | {f(r, 'recall')} | "
                  f"{f(r, 'f1')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stage", choices=("select", "confirm"), required=True)
    ap.add_argument("--variant", default="position", choices=VARIANTS)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--cache", default=None, help="pickle of the features (outside the repo)")
    args = ap.parse_args()
    cache = Path(args.cache) if args.cache else None
    long, ids, docs, lex, _ = load(cache)
    side = (lambda name: cache.with_name(f"{cache.stem}.{name}.pkl")) if cache else \
        (lambda name: None)
    extra = None
    if args.variant == "unlabelled_idf":
        extra = load_unlabelled(long, side("unlabelled"))
    elif args.variant == "lead_lex":
        extra = load_lead(ids, side("lead"))
    variants = ["baseline", args.variant]
    preds: dict[str, list[pd.DataFrame]] = {v: [] for v in variants}
    if args.stage == "select":
        groups = [g for g in long["corpus"].unique() if g != "vnds-train"]
        for g in SELECT_FOLDS:
            for v in variants:
                preds[v].append(fold_predict(v, long, ids, docs, lex,
                                             [x for x in groups if x != g], g, extra=extra))
                print(f"fold {g} {v} done", flush=True)
    else:
        groups = [g for g in long["corpus"].unique() if g != "vnds-train"]
        for v in variants:
            preds[v].append(fold_predict(v, long, ids, docs, lex, groups, "vnds-train",
                                         extra=extra))
    pooled = {v: pd.concat(p, ignore_index=True) for v, p in preds.items()}
    print(f"\n{args.stage}: pooled over the held-out folds")
    table(pooled, args.n_boot)
    if args.stage == "select":
        for g in SELECT_FOLDS:
            print(f"\nheld out {g}:")
            table({v: p[p.group == g] for v, p in pooled.items()}, args.n_boot)
    print(f"\npaired difference {args.variant} - baseline (F1, 95% stratified bootstrap):")
    print(paired(pooled["baseline"], pooled[args.variant], args.n_boot)
          .to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main()
