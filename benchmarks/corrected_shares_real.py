"""Real check of corrected shares on the coded real sample (issue 15), held out by corpus.

Reads the coded sample ``benchmarks/labels/coded/coded.csv`` (``corpus, doc_id,
phase, stratum, pi, theme, relevant``; ids and codes only) and rebuilds each
corpus's frame exactly as ``benchmarks/coding/draw_sample.py`` drew it (same
seed, same order: the frame, its strata and the phase-1 draw are replayed), so
the machine measure is known for every document of the frame. Per corpus and
theme it reports:

* ``machine``: the share of the frame with the theme present (what trends report);
* ``coded_only``: the coded sample alone (Horvitz-Thompson; the design-based
  "coded truth", with its interval);
* ``corrected``: the machine share corrected with the corpus's own coded
  documents (``civictext.correction.corrected_mean``);
* ``transported``: held out by corpus: the error rates (mean residual among
  machine positives and negatives) estimated on the *other* corpora's coded
  documents and applied to this corpus (``pooled_corrected_mean``), the
  correction one would get without coding this corpus. ``covers`` says
  whether its interval contains the coded-only estimate.

The inclusion probability of a coded document within its frame is ``pi *
corpus_size / frame_size`` (``pi`` in coded.csv is relative to the whole
corpus; the frame is a simple random sample of it), so every share here is the
frame's, an unbiased estimate of the corpus's.

    PYTHONPATH=. .venv/bin/python benchmarks/corrected_shares_real.py [--coded PATH] [--seed 15]

Needs ``../shared/corpora`` (or ``$CIVICTEXT_SHARED_CORPORA``); prints a table
and writes nothing into the repository (``--out FILE.csv`` to save it: ids and
numbers only). Reading and scoring the four frames takes several minutes.
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
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "coding"))

import draw_sample  # type: ignore[import-not-found]  # noqa: E402

from civictext.correction import (coded_only_mean, corrected_mean,  # noqa: E402
                                  pooled_corrected_mean, pooled_residuals)
from civictext.themes import score_themes  # noqa: E402

THEMES = ["reform", "conduct", "satisfaction"]


def frames(seed: int):
    """Yield (corpus, articles of the frame, corpus size), replaying draw_sample's phase 1."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        for name in draw_sample.FRAMES:
            arts, corpus_size = draw_sample._frame(name, rng, Path(tmp))
            st = draw_sample.strata(arts)
            draw_sample.draw(st, rng)  # consume the generator exactly as the draw did
            yield name, arts, corpus_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coded", default=str(HERE / "labels" / "coded" / "coded.csv"))
    ap.add_argument("--seed", type=int, default=15, help="the seed draw_sample.py used")
    ap.add_argument("--min-coded", type=int, default=10)
    ap.add_argument("--out", help="also write the table to this CSV (ids-free numbers)")
    args = ap.parse_args()
    coded = pd.read_csv(args.coded, dtype={"doc_id": str})
    per_corpus = {}
    for name, arts, corpus_size in frames(args.seed):
        ids = arts["doc_id"].astype(str)
        c = coded[coded["corpus"] == name]
        missing = sorted(set(c["doc_id"]) - set(ids))
        if missing:
            raise SystemExit(f"{name}: {len(missing)} coded ids are not in the replayed frame "
                             f"(e.g. {missing[0]}); was the sample drawn with --seed "
                             f"{args.seed} and the same corpora?")
        sc = score_themes(arts, n_tokens=pd.Series(1, index=ids.to_numpy()))
        machine = (sc.pivot(index="doc_id", columns="theme", values="present")
                   .reindex(ids.to_numpy()).fillna(False).astype(float))
        pos = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
        per_theme = {}
        for t in THEMES:
            ct_ = c[c["theme"] == t]
            f = machine[t].to_numpy() if t in machine else np.zeros(len(ids))
            is_coded = np.zeros(len(ids), bool)
            y = np.full(len(ids), np.nan)
            pi = np.full(len(ids), np.nan)
            at = pos.reindex(ct_["doc_id"]).to_numpy()
            is_coded[at] = True
            y[at] = ct_["relevant"].to_numpy(float)
            pi[at] = np.minimum(ct_["pi"].to_numpy(float) * corpus_size / len(ids), 1.0)
            per_theme[t] = (f, is_coded, y, pi)
        per_corpus[name] = per_theme
        print(f"{name}: frame {len(ids)} of {corpus_size}, {c['doc_id'].nunique()} coded",
              flush=True)
    rows = []
    for name, per_theme in per_corpus.items():
        for t, (f, is_coded, y, pi) in per_theme.items():
            own = corrected_mean(f, is_coded, y, pi, min_coded=args.min_coded)
            alone = coded_only_mean(is_coded, y, pi, min_coded=args.min_coded)
            others = [per_corpus[o][t] for o in per_corpus if o != name]
            of = np.concatenate([o[0][o[1]] for o in others])
            oy = np.concatenate([o[2][o[1]] for o in others])
            op = np.concatenate([o[3][o[1]] for o in others])
            res = pooled_residuals(of, np.ones(len(of), bool), oy, op)
            moved = pooled_corrected_mean(f, res, int(is_coded.sum()), min_coded=args.min_coded)
            rows.append({
                "corpus": name, "theme": t, "n_frame": len(f), "n_coded": int(is_coded.sum()),
                "machine": f.mean(),
                "coded_only": alone.estimate, "coded_only_lo": alone.lo,
                "coded_only_hi": alone.hi,
                "corrected": own.estimate, "corrected_lo": own.lo, "corrected_hi": own.hi,
                "transported": moved.estimate, "transported_lo": moved.lo,
                "transported_hi": moved.hi,
                "covers": bool(moved.lo <= alone.estimate <= moved.hi)
                if not np.isnan(moved.estimate + alone.estimate) else None,
                "note": own.note or moved.note})
    table = pd.DataFrame(rows)
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 200,
                           "display.max_columns", 30):
        print(table.drop(columns="note").to_string(index=False))
        notes = table[table["note"] != ""]
        if len(notes):
            print(notes[["corpus", "theme", "note"]].to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
