"""Real check of corrected shares on the coded real sample (issues 15-16), held out by corpus.

The coded sample ``benchmarks/labels/coded/coded.csv`` (``corpus, doc_id, phase,
stratum, pi, theme, relevant``; ids and codes only; 1,313 documents of four
corpora, phases 1-3) is a probability sample of each **whole corpus**: ``pi``
is the combined probability ``1 - (1 - pi12) * (1 - q3)`` of being coded in
phases 1-2 (drawn from a random frame of the corpus) or in phase 3 (drawn from
an independent random subframe), see ``benchmarks/labels/coded/README.md``.

**Which pi, which population.** The population is the corpus and the
inclusion probability is coded.csv's combined ``pi``, for every coded document
of every phase. Not the frame-relative probability of the first version of
this script (``pi * corpus / frame``): most phase-3 documents lie outside the
phase 1-2 frame, so the frame is no longer a population the sample covers. Not
phase 3's ``q3`` alone: it is 0 for the subframe's unsampled rest and for the
corpus outside the subframe, so phase 3 alone does not cover the corpus; the
combined ``pi`` is positive for every document of the corpus (phase 1's
``random`` stratum reaches every frame document, and the frame is a random
sample of the corpus).

**Which machine measure.** One fixed function of the text for every document
(the estimator is unbiased for *any* fixed measure; mixing measures by the
phase that drew a document would make the measure depend on the sample):

* ``focus``: the focus rule (``score_themes(presence="focus")``), no fitting
  to any code: a valid correction for every corpus;
* ``model030``: the theme model shipped with 0.3.0, the one phase 3 was drawn
  with (from commit deaa3d0, extracted to ``--model``), verdicts at its
  thresholds (``present_model``). It was fitted on the phase 1-2 codes of all
  four corpora, so for those documents its verdict is in-sample (it has seen
  their codes): its residuals there are smaller than on unseen documents and
  its correction leans towards the model. It is reported for comparison, not
  as held out.

**Machine share of the corpus.** The corpus is not scored whole (153,825
news-feed items; reading and scoring takes hours here): the machine share of
each class is estimated on an independent seeded simple random sample of
each corpus (:data:`MACHINE_SAMPLE`: 3,000 documents of vnds-train and
news-feed, 1,000 of vn4news2020 and dantri-unc, whose long unsegmented
articles the model must segment; ``--machine-sample N`` for all), and the
coded documents are scored themselves. The corrected
share is ``a_hat + (1/N) sum_coded (y_i - f_i) / pi_i`` with ``a_hat`` the
sample's share of machine positives (for a 0/1 measure: ``civictext.trends.correction
.corrected_mean`` on a corpus of ``N`` documents with ``round(a_hat N)``
positives); the uncertainty of ``a_hat`` (a Jeffreys interval at the sample
size, times the difference between the two classes' shares of relevant
documents) is added to the interval by MOVER, as the parts inside
``corrected_mean`` are.

Per corpus, theme and measure it reports ``machine`` (``a_hat``, what trends
report), ``coded_only`` (the codes alone: Horvitz-Thompson with the combined
``pi``, its variance within ``stratum``: the design-based "coded truth"),
``corrected`` (the corpus's own codes; variance within stratum x machine
class), ``corrected_cls`` (the same with the machine classes as the only
variance strata, a sensitivity check), and ``transported`` (held out by
corpus: the other three corpora's error rates applied to this corpus's machine
share, ``pooled_corrected_mean`` with their heterogeneity tau^2 added);
``covers`` / ``t_covers``: the corrected / transported interval contains the
coded-only estimate.

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora PYTHONPATH=. .venv/bin/python \\
        benchmarks/corrected_shares_real.py --cache /tmp/realcache [--machine-sample N]

Needs ``../shared/corpora`` (or ``$CIVICTEXT_SHARED_CORPORA``) and the 0.3.0
model folder (``git archive deaa3d0 civictext/data/models/theme_model | tar -x
-C DIR``; ``--model``); prints a table and writes nothing into the repository
(``--out FILE.csv``: ids-free numbers). With ``--cache DIR`` (outside the
repository) the ids and 0/1 machine measures read and scored are kept there
(no text), and a re-run only estimates; documents coded since are scored and added.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402

from civictext.trends.correction import (  # noqa: E402
    _jeffreys_halfwidths,
    coded_only_mean,
    corrected_mean,
    heterogeneity_note,
    pooled_corrected_mean,
    pooled_residuals,
)

THEMES = ["reform", "conduct", "satisfaction"]
MEASURES = ["focus", "model030"]
PATHS = {"vnds-train": "vnds-train/articles.seg.jsonl.gz",
         "vn4news2020": "vn4news2020/articles.jsonl.gz",
         "news-feed": "news-feed/articles.jsonl.gz",
         "dantri-unc": "dantri-unc/articles"}
LEVEL = 0.90
#: Documents per corpus scored for its machine share: fewer where the 0.3 model
#: must segment long unsegmented articles (about 0.3 s each on this machine).
MACHINE_SAMPLE = {"vnds-train": 3000, "news-feed": 3000, "vn4news2020": 1000,
                  "dantri-unc": 1000}


def _read(name: str, wanted: set[str], m: int, corpus_size: int, seed: int,
          tmp: Path) -> tuple[pd.DataFrame, set[str]]:
    """(articles: the coded documents and a simple random sample of m, ids of that sample)."""
    from civictext.ingest.reader import read_corpus

    path = shared_root() / PATHS[name]
    rng = np.random.default_rng([seed, sorted(PATHS).index(name)])
    pick = set(rng.choice(corpus_size, size=min(m, corpus_size), replace=False).tolist())
    if path.is_dir():  # small: read whole (read_corpus's order), keep the sample and the coded
        arts = read_corpus(path)
        if len(arts) != corpus_size:
            raise SystemExit(f"{name}: {len(arts)} documents, the design says {corpus_size}")
        ids = arts["doc_id"].astype(str)
        srs = set(ids.iloc[sorted(pick)])
        return arts[ids.isin(srs | wanted).to_numpy()].reset_index(drop=True), srs
    out, srs, n = tmp / f"{name}.jsonl.gz", set(), 0
    with gzip.open(path, "rt", encoding="utf-8") as src, \
            gzip.open(out, "wt", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            n += 1
            doc = str(json.loads(line).get("id"))
            if i in pick:
                srs.add(doc)
            if i in pick or doc in wanted:
                dst.write(line)
    if n != corpus_size:
        raise SystemExit(f"{name}: {n} documents, the design says {corpus_size}")
    return read_corpus(out), srs


def machine_table(name: str, wanted: set[str], m: int, corpus_size: int, seed: int,
                  model: str, cache: str | None) -> pd.DataFrame:
    """doc_id, in_srs, focus_<theme>, model030_<theme> (0/1) for the documents read."""
    from civictext.themes.scoring import score_themes

    hit = Path(cache) / f"{name}.machine.csv.gz" if cache else None
    kept = None
    if hit is not None and hit.is_file():
        t = pd.read_csv(hit, dtype={"doc_id": str})
        if int(t["in_srs"].sum()) == min(m, corpus_size):
            if wanted <= set(t["doc_id"]):
                return t
            kept, wanted, m = t, wanted - set(t["doc_id"]), 0  # score the newly coded only
    with tempfile.TemporaryDirectory() as d:
        arts, srs = _read(name, wanted, m, corpus_size, seed, Path(d))
        ids = arts["doc_id"].astype(str)
        sc = score_themes(arts, n_tokens=pd.Series(1, index=ids.to_numpy()),
                          presence="focus", model=model)
    sc = sc.assign(doc_id=sc["doc_id"].astype(str))
    t = pd.DataFrame({"doc_id": ids.to_numpy(), "in_srs": ids.isin(srs).to_numpy().astype(int)})
    for col, measure in (("present", "focus"), ("present_model", "model030")):
        wide = sc.pivot(index="doc_id", columns="theme", values=col).reindex(ids.to_numpy())
        for th in THEMES:
            t[f"{measure}_{th}"] = wide[th].fillna(False).astype(int).to_numpy()
    if kept is not None:  # the cached sample and coded documents, then the new ones
        t = pd.concat([kept, t[~t["doc_id"].isin(set(kept["doc_id"]))]], ignore_index=True)
    if hit is not None:
        hit.parent.mkdir(parents=True, exist_ok=True)
        t.to_csv(hit, index=False)
    return t


def _population(c: pd.DataFrame, f_coded: np.ndarray, a_hat: float, n_total: int):
    """The corpus as arrays: the coded documents first, then uncoded ones with
    ``round(a_hat * N)`` machine positives in all (a 0/1 measure's estimator
    depends on the uncoded documents only through that count)."""
    n = len(c)
    pos_coded = int((f_coded >= 0.5).sum())
    n_pos = int(np.clip(round(a_hat * n_total), pos_coded, n_total - (n - pos_coded)))
    f = np.r_[f_coded, np.ones(n_pos - pos_coded), np.zeros(n_total - n - (n_pos - pos_coded))]
    coded = np.r_[np.ones(n, bool), np.zeros(n_total - n, bool)]
    y = np.r_[c["relevant"].to_numpy(float), np.full(n_total - n, np.nan)]
    pi = np.r_[c["pi"].to_numpy(float), np.full(n_total - n, np.nan)]
    strata = np.r_[c["stratum"].astype(str).to_numpy(), np.full(n_total - n, "")].astype(object)
    return f, coded, y, pi, strata


def _with_machine_sample(e, f_coded, c, a_hat: float, m: int, n_total: int):
    """``e``'s interval widened for the sampling error of ``a_hat`` (MOVER)."""
    if m >= n_total or np.isnan(e.estimate):
        return e.lo, e.hi
    w = 1.0 / c["pi"].to_numpy(float)
    y = c["relevant"].to_numpy(float)
    pos = f_coded >= 0.5
    share = [float((w[k] * y[k]).sum() / w[k].sum()) if k.any() else 0.0 for k in (pos, ~pos)]
    delta = share[0] - share[1]  # the share moves by delta per unit of a
    down, up = _jeffreys_halfwidths(a_hat, m / (1 - m / n_total), LEVEL)
    lo_c, hi_c = (delta * down, delta * up) if delta >= 0 else (-delta * up, -delta * down)
    lo = max(0.0, e.estimate - float(np.hypot(e.estimate - e.lo, lo_c)))
    hi = min(1.0, e.estimate + float(np.hypot(e.hi - e.estimate, hi_c)))
    return lo, hi


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coded", default=str(HERE / "labels" / "coded" / "coded.csv"))
    ap.add_argument("--machine-sample", type=int,
                    help=f"documents per corpus scored for its machine share (default "
                         f"{MACHINE_SAMPLE})")
    ap.add_argument("--seed", type=int, default=16, help="seed of the machine-share samples")
    ap.add_argument("--model", default="/tmp/shares/model030/civictext/data/models/theme_model",
                    help="folder of the 0.3.0 theme model (commit deaa3d0)")
    ap.add_argument("--min-coded", type=int, default=10)
    ap.add_argument("--out", help="also write the table to this CSV (ids-free numbers)")
    ap.add_argument("--cache", help="folder (outside the repository) for the ids and machine "
                                    "measures read and scored, reused by later runs")
    args = ap.parse_args()
    coded = pd.read_csv(args.coded, dtype={"doc_id": str})
    design = pd.read_csv(HERE / "labels" / "coded" / "design3.csv", dtype={"doc_id": str})
    sizes = design.drop_duplicates("corpus").set_index("corpus")["corpus_size"].astype(int)
    data = {}
    for name in PATHS:
        c = coded[coded["corpus"] == name]
        wanted = set(c["doc_id"])
        m = args.machine_sample or MACHINE_SAMPLE[name]
        t = machine_table(name, wanted, m, int(sizes[name]), args.seed, args.model, args.cache)
        missing = sorted(wanted - set(t["doc_id"]))
        if missing:
            raise SystemExit(f"{name}: {len(missing)} coded ids not found (e.g. {missing[0]})")
        data[name] = (c, t.set_index("doc_id"))
        print(f"{name}: {int(t['in_srs'].sum())} sampled for the machine share of "
              f"{int(sizes[name])}, {len(wanted)} coded", flush=True)
    rows = []
    for measure in MEASURES:
        for th in THEMES:
            col = f"{measure}_{th}"
            per = {}
            for name, (c, t) in data.items():
                ct_ = c[c["theme"] == th].reset_index(drop=True)
                f_coded = t.loc[ct_["doc_id"], col].to_numpy(float)
                per[name] = (ct_, f_coded, t.loc[t["in_srs"] == 1, col].to_numpy(float))
            for name, (ct_, f_coded, f_srs) in per.items():
                n_total, m = int(sizes[name]), len(f_srs)
                a_hat = float(f_srs.mean())
                f, is_c, y, pi, strata = _population(ct_, f_coded, a_hat, n_total)
                own = corrected_mean(f, is_c, y, pi, strata=strata, min_coded=args.min_coded)
                cls = corrected_mean(f, is_c, y, pi, min_coded=args.min_coded)
                alone = coded_only_mean(is_c, y, pi, strata=strata, min_coded=args.min_coded)
                lo, hi = _with_machine_sample(own, f_coded, ct_, a_hat, m, n_total)
                lo_c, hi_c = _with_machine_sample(cls, f_coded, ct_, a_hat, m, n_total)
                others = [o for o in per if o != name]
                of = np.concatenate([per[o][1] for o in others])
                oy = np.concatenate([per[o][0]["relevant"].to_numpy(float) for o in others])
                op = np.concatenate([per[o][0]["pi"].to_numpy(float) for o in others])
                corpus_of = np.concatenate([np.full(len(per[o][1]), o) for o in others])
                res = pooled_residuals(of, np.ones(len(of), bool), oy, op, cells=corpus_of)
                moved = pooled_corrected_mean(f_srs, res, len(ct_), min_coded=args.min_coded)
                truth = alone.estimate
                rows.append({
                    "measure": measure, "corpus": name, "theme": th, "n_coded": len(ct_),
                    "relevant": int(ct_["relevant"].sum()), "machine": a_hat,
                    "coded_only": truth, "coded_only_lo": alone.lo, "coded_only_hi": alone.hi,
                    "corrected": own.estimate, "corrected_lo": lo, "corrected_hi": hi,
                    "corrected_cls_lo": lo_c, "corrected_cls_hi": hi_c,
                    "covers": bool(lo <= truth <= hi),
                    "transported": moved.estimate, "transported_lo": moved.lo,
                    "transported_hi": moved.hi,
                    "t_covers": bool(moved.lo <= truth <= moved.hi)
                    if not np.isnan(moved.estimate) else None,
                    "transported_test": heterogeneity_note(res),
                    "note": own.note or moved.note})
    table = pd.DataFrame(rows)
    with pd.option_context("display.float_format", "{:.4f}".format, "display.width", 250,
                           "display.max_columns", 30):
        print(table.drop(columns=["note", "transported_test"]).to_string(index=False))
        print(table[["measure", "corpus", "theme", "transported_test"]].to_string(index=False))
        notes = table[table["note"] != ""]
        if len(notes):
            print(notes[["measure", "corpus", "theme", "note"]].to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
