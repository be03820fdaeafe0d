"""Theme model variants against the shipped model's recipe (issue 15, session 10).

Protocol: *selection* on the folds holding out news-feed, vn4news2020 and dantri-unc
with vnds-train removed from training and evaluation; *confirmation* once, trained on
everything except vnds-train and evaluated on vnds-train. The bundled labelled
paragraphs are training data in every fold (as in train_theme_model.py), never evaluated.
Each fold refits the vectorizer, the per-theme (C, weight power) choice from GRID,
calibration and the F1 threshold inside the training data only (fit_theme_model's
recipe, via model._fit_one). Metrics: themes.model._metrics (design-weighted, stratified
bootstrap); paired difference: the same stratified resamples for both measures.

Variant "position": the baseline's features plus the first third of the body's tokens as
their own ``p:``-prefixed block in the same TF-IDF (the subject is set early).

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora .venv/bin/python \
        benchmarks/model_variants.py --stage select --n-boot 200
    ... --stage confirm --variant position --n-boot 200
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_theme_model import LABELS, THEMES, training_set  # noqa: E402

from civictext.themes.model import (  # noqa: E402
    GRID,
    _features,
    _fit_one,
    _lexicon,
    _metrics,
    _vectorizer,
    _weighted_prf,
)

SELECT_FOLDS = ("news-feed", "vn4news2020", "dantri-unc")


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


def fold_predict(variant, long, ids, docs, lex, train_groups, test_group, rs=0):
    row = {d: i for i, d in enumerate(ids)}
    train = long[long["corpus"].isin(train_groups)]
    test = long[long["corpus"] == test_group]
    tr_ids = list(dict.fromkeys(train["doc_id"]))
    te_ids = list(dict.fromkeys(test["doc_id"]))
    d = position_docs(docs) if variant == "position" else docs
    vec = _vectorizer()
    Xtr = sparse.hstack([vec.fit_transform([d[row[i]] for i in tr_ids]),
                         sparse.csr_matrix(lex[[row[i] for i in tr_ids]])], format="csr")
    Xte = sparse.hstack([vec.transform([d[row[i]] for i in te_ids]),
                         sparse.csr_matrix(lex[[row[i] for i in te_ids]])], format="csr")
    rtr = {x: i for i, x in enumerate(tr_ids)}
    rte = {x: i for i, x in enumerate(te_ids)}
    parts = []
    for t in THEMES:
        sub = train[train.theme == t]
        y = sub["relevant"].to_numpy()
        w = 1.0 / sub["pi"].to_numpy()
        clf, (a, b), thr, _, chosen = _fit_one(Xtr[sub["doc_id"].map(rtr).to_numpy()], y, w,
                                               grid=GRID, random_state=rs)
        tst = test[test.theme == t].copy()
        dec = clf.decision_function(Xte[tst["doc_id"].map(rte).to_numpy()])
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
    ap.add_argument("--variant", default="position")
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--cache", default=None, help="pickle of the features (outside the repo)")
    args = ap.parse_args()
    long, ids, docs, lex, _ = load(Path(args.cache) if args.cache else None)
    variants = ["baseline", args.variant]
    preds: dict[str, list[pd.DataFrame]] = {v: [] for v in variants}
    if args.stage == "select":
        groups = [g for g in long["corpus"].unique() if g != "vnds-train"]
        for g in SELECT_FOLDS:
            for v in variants:
                preds[v].append(fold_predict(v, long, ids, docs, lex,
                                             [x for x in groups if x != g], g))
                print(f"fold {g} {v} done", flush=True)
    else:
        groups = [g for g in long["corpus"].unique() if g != "vnds-train"]
        for v in variants:
            preds[v].append(fold_predict(v, long, ids, docs, lex, groups, "vnds-train"))
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
