"""A prospective check of the model shipped before a later coding phase (issue 15).

Phase K >= 4 (``draw_phaseK.py``) drew, in vnds-train and vn4news2020, a simple random
sample of the documents the shipped model called present for some theme
(``pK-positive``), *after* that model was frozen, so among the sampled documents
it had not been trained on, the share a coder judged relevant estimates the
model's precision on unseen documents of those two corpora, without any
weighting (within one stratum every document had the same probability).
It says nothing about recall (the phase does not sample the documents the model
scores lowest and that lack a broad administrative word).

``--predict`` records that model's verdicts for the phase's new documents in
``benchmarks/labels/coded/phaseK_premodel.csv`` (ids, theme, ``p_model``,
``present``; from phase 9 also the mention rule's, the focus rule's and the default
reading's verdicts, ``mention``, ``focus``, ``auto``: no text), which must be done before the model is refitted (phase 4's
was, at commit aaf147e; the script refuses to overwrite a record); without it the
script reads that file and ``coded.csv`` and prints the estimate per corpus and
theme with a Wilson 95 % interval.

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/prospective.py --phase 6 --predict
    .venv/bin/python benchmarks/coding/prospective.py --phase 4
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
LABELS = HERE.parent / "labels" / "coded"


def _record(phase: int) -> Path:
    return LABELS / f"phase{phase}_premodel.csv"


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return c - h, c + h


def predict(phase: int, force: bool = False) -> None:
    out = _record(phase)
    if out.exists() and not force:
        raise SystemExit(f"{out} exists: it holds the verdicts of the model as it was when phase "
                         f"{phase} was drawn (and its features then); recomputing them with a later model "
                         "or feature code would not be the prospective check. --force to overwrite.")
    from train_theme_model import coded_articles  # type: ignore[import-not-found]

    from civictext.themes.model import load_theme_model

    design = pd.read_csv(LABELS / f"design{phase}.csv", dtype=str, keep_default_na=False)
    new = design[design["recoded"] == "1"][["corpus", "doc_id", "stratum"]]
    with tempfile.TemporaryDirectory() as t:
        arts = coded_articles(new, Path(t))
    model = load_theme_model()
    pr = model.predict_proba(arts, n_jobs=2)
    pr["present"] = (pr["p_model"] >= pr["theme"].map(model.thresholds).astype(float)).astype(int)
    pr = pr.merge(new, on="doc_id")
    cols = ["corpus", "doc_id", "stratum", "theme", "p_model", "present"]
    if phase >= 9:  # the lexicon rules and the default reading too (phase 9 compares them)
        from civictext.themes.scoring import score_themes

        for measure, col in (("mention", "mentioned"), ("focus", "present"), ("auto", "present")):
            sc = score_themes(arts, presence=measure, model=model)[["doc_id", "theme", col]]
            pr = pr.merge(sc.rename(columns={col: measure}).astype({measure: int}),
                          on=["doc_id", "theme"], validate="one_to_one")
        cols += ["mention", "focus", "auto"]
    pr[cols].sort_values(["corpus", "doc_id", "theme"]).to_csv(out, index=False,
                                                                float_format="%.6f")
    print(f"wrote {out}: {len(pr)} rows")


def estimate(phase: int = 4) -> pd.DataFrame:
    """Precision of the frozen model on the phase's new documents it called present.

    Phases 4-5: in the ``pK-positive`` stratum, per corpus and pooled. Phases 6 and later
    (``draw_phase6.py`` drew by a satisfaction vocabulary rule, ``draw_phase7.py`` by the
    model's satisfaction probability and phase 3's strata): per stratum and corpus, the
    share relevant among the new documents the model calls present estimates its
    precision within that stratum (every document of a stratum had the same
    probability); the pooled row weights each (corpus, stratum) cell's documents by the
    inverse of the phase's own probability ``1 / qK`` (phase 6: ``N_s / n_s``).
    """
    pre = pd.read_csv(_record(phase), dtype={"doc_id": str})
    coded = pd.read_csv(LABELS / "coded.csv", dtype={"doc_id": str, "phase": str})
    design = pd.read_csv(LABELS / f"design{phase}.csv", dtype={"doc_id": str})
    strata = ([f"p{phase}-positive"] if phase < 6 else
              sorted(design.loc[design["n_stratum"] > 0, "stratum"].unique()))
    pos = pre[pre["stratum"].isin(strata) & (pre["present"] == 1)]
    m = pos.merge(coded[["corpus", "doc_id", "theme", "relevant"]],
                  on=["corpus", "doc_id", "theme"], validate="one_to_one")
    keys = ["corpus", "theme"] if phase < 6 else ["corpus", "stratum", "theme"]
    def row(labels: dict, g: pd.DataFrame) -> dict:
        k, n = int(g["relevant"].sum()), len(g)
        lo, hi = _wilson(k, n)
        return {**labels, "called_present": n, "relevant": k,
                "precision": k / n if n else float("nan"), "lo": lo, "hi": hi}

    rows = [row(dict(zip(keys, key)), g) for key, g in m.groupby(keys)]
    if phase < 6:
        rows += [row({"corpus": "both", "theme": t}, g) for t, g in m.groupby("theme")]
    else:
        q = design.set_index(["corpus", "doc_id"])[f"q{phase}"]
        m["w"] = [1.0 / float(q.loc[(c, d)]) for c, d in zip(m["corpus"], m["doc_id"])]
        for t, g in m.groupby("theme"):
            rows.append({"corpus": "all", "stratum": "weighted", "theme": t,
                         "called_present": len(g), "relevant": int(g["relevant"].sum()),
                         "precision": float((g["w"] * g["relevant"]).sum() / g["w"].sum()),
                         "lo": float("nan"), "hi": float("nan")})
    return pd.DataFrame(rows)


MEASURES = ("present", "mention", "focus", "auto")


def compare_measures(phase: int = 9, n_boot: int = 2000, random_state: int = 0) -> pd.DataFrame:
    """Phase 9 on: each recorded measure's precision, recall and F1 on the phase's new
    documents (none of which the frozen model or the choice of the default's measures
    saw), design-weighted.

    A new document of stratum ``s`` stands for the ``N_s - c_s`` members of ``s`` that
    no earlier phase had coded (``c_s``: the coded documents of the corpus in ``s``,
    drawn again or not; the new documents are a simple random sample of those members),
    so its weight is ``(N_s - c_s) / n_s`` with ``n_s`` the stratum's new documents.
    Recall is within the strata (the corpus's documents outside every stratum were not
    sampled). Intervals: percentile, ``n_boot`` resamples of the new documents within
    each stratum (seeded).
    """
    pre = pd.read_csv(_record(phase), dtype={"doc_id": str})
    coded = pd.read_csv(LABELS / "coded.csv", dtype={"doc_id": str, "phase": str})
    design = pd.read_csv(LABELS / f"design{phase}.csv", dtype={"doc_id": str})
    m = pre.merge(coded[["corpus", "doc_id", "theme", "relevant"]],
                  on=["corpus", "doc_id", "theme"], validate="one_to_one")
    earlier = design[design["recoded"].astype(str) != "1"].groupby(["corpus", "stratum"]).size()
    sizes = design[design["n_stratum"] > 0].drop_duplicates(["corpus", "stratum"]).set_index(
        ["corpus", "stratum"])["N_stratum"]
    new_n = m.drop_duplicates(["corpus", "doc_id"]).groupby(["corpus", "stratum"]).size()
    w = {k: (float(sizes[k]) - float(earlier.get(k, 0))) / float(new_n[k]) for k in new_n.index}
    m["w"] = [w[(c, s)] for c, s in zip(m["corpus"], m["stratum"])]
    docs = m.drop_duplicates(["corpus", "doc_id"])[["corpus", "doc_id", "stratum"]]
    rng = np.random.default_rng(random_state)
    groups = [g.index.to_numpy() for _, g in docs.reset_index(drop=True).groupby(
        ["corpus", "stratum"])]
    pos = {d: i for i, d in enumerate(zip(docs["corpus"], docs["doc_id"]))}
    reps = np.zeros((n_boot, len(docs)))
    for b in range(n_boot):  # each resample: how often each new document is drawn
        for g in groups:
            np.add.at(reps[b], rng.choice(g, size=len(g), replace=True), 1)
    rows = []
    for t, g in m.groupby("theme"):
        idx = np.array([pos[d] for d in zip(g["corpus"], g["doc_id"])])
        y, wt = g["relevant"].to_numpy(float), g["w"].to_numpy(float)
        for meas in MEASURES:
            x = g[meas].to_numpy(float)

            def prf(mult: np.ndarray) -> tuple[float, float, float]:
                ww = wt * mult
                tp, called, rel = (ww * x * y).sum(), (ww * x).sum(), (ww * y).sum()
                p = tp / called if called else np.nan
                r = tp / rel if rel else np.nan
                return p, r, (2 * p * r / (p + r) if p + r else 0.0)

            est = prf(np.ones(len(g)))
            boot = np.array([prf(reps[b, idx]) for b in range(n_boot)])
            lo, hi = np.nanpercentile(boot, 2.5, axis=0), np.nanpercentile(boot, 97.5, axis=0)
            rows.append({"theme": t, "measure": "model" if meas == "present" else meas,
                         "called": int(x.sum()), "relevant": int(y.sum()),
                         "hits": int((x * y).sum()),
                         **{k: v for n, (e, a, b_) in zip(("precision", "recall", "f1"),
                                                          zip(est, lo, hi))
                            for k, v in ((n, e), (f"{n}_lo", a), (f"{n}_hi", b_))}})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phase", type=int, default=4)
    ap.add_argument("--predict", action="store_true")
    ap.add_argument("--force", action="store_true", help="with --predict: overwrite the record")
    args = ap.parse_args()
    if args.predict:
        return predict(args.phase, args.force)
    print(estimate(args.phase).round(3).to_string(index=False))
    if args.phase >= 9:
        print(compare_measures(args.phase).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
