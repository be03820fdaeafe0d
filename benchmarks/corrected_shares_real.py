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
  documents (``civictext.trends.correction.corrected_mean``);
* ``transported``: held out by corpus: the error rates (mean residual among
  machine positives and negatives) estimated on the *other* corpora's coded
  documents and applied to this corpus (``pooled_corrected_mean``), the
  correction one would get without coding this corpus, with the
  heterogeneity of the error rates among those other corpora (Cochran's Q,
  tau^2) added to its interval and the test in ``transported_test``.
  ``covers`` says whether its interval contains the coded-only estimate.

The inclusion probability of a coded document within its frame is ``pi *
corpus_size / frame_size`` (``pi`` in coded.csv is relative to the whole
corpus; the frame is a simple random sample of it), so every share here is the
frame's, an unbiased estimate of the corpus's.

    PYTHONPATH=. .venv/bin/python benchmarks/corrected_shares_real.py [--coded PATH] [--seed 15] \
        [--cache /tmp/frames]   # keep the frames' ids and machine measure for re-runs

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

from civictext.themes.scoring import score_themes  # noqa: E402
from civictext.trends.correction import (  # noqa: E402
    coded_only_mean,
    corrected_mean,
    heterogeneity_note,
    pooled_corrected_mean,
    pooled_residuals,
)

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


def machine_frames(seed: int, cache: str | None):
    """Yield (corpus, doc ids, machine measure (n_docs x themes), corpus size).

    With ``cache`` (a folder outside the repository), the ids and 0/1 machine
    measure of each frame are kept there (``<corpus>.csv.gz``, no text), so a
    re-run with a grown coded sample does not read and score the frames again.
    """
    folder = Path(cache) if cache else None
    if folder is not None and all((folder / f"{n}.csv.gz").is_file()
                                  for n in draw_sample.FRAMES):
        for name in draw_sample.FRAMES:
            t = pd.read_csv(folder / f"{name}.csv.gz", dtype={"doc_id": str})
            yield name, t["doc_id"], t[THEMES], int(t["corpus_size"].iloc[0])
        return
    for name, arts, corpus_size in frames(seed):
        ids = arts["doc_id"].astype(str)
        sc = score_themes(arts, n_tokens=pd.Series(1, index=ids.to_numpy()))
        machine = (sc.pivot(index="doc_id", columns="theme", values="present")
                   .reindex(ids.to_numpy()).fillna(False).astype(float))
        machine = machine.reindex(columns=THEMES, fill_value=0.0)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            machine.reset_index(drop=True).assign(doc_id=ids.to_numpy(),
                                                  corpus_size=corpus_size).to_csv(
                folder / f"{name}.csv.gz", index=False)
        yield name, ids.reset_index(drop=True), machine.reset_index(drop=True), corpus_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coded", default=str(HERE / "labels" / "coded" / "coded.csv"))
    ap.add_argument("--seed", type=int, default=15, help="the seed draw_sample.py used")
    ap.add_argument("--min-coded", type=int, default=10)
    ap.add_argument("--out", help="also write the table to this CSV (ids-free numbers)")
    ap.add_argument("--cache", help="folder (outside the repository) for the frames' ids and "
                                    "machine measure, reused by later runs")
    args = ap.parse_args()
    coded = pd.read_csv(args.coded, dtype={"doc_id": str})
    per_corpus = {}
    for name, ids, machine, corpus_size in machine_frames(args.seed, args.cache):
        c = coded[coded["corpus"] == name]
        missing = sorted(set(c["doc_id"]) - set(ids))
        if missing:
            raise SystemExit(f"{name}: {len(missing)} coded ids are not in the replayed frame "
                             f"(e.g. {missing[0]}); was the sample drawn with --seed "
                             f"{args.seed} and the same corpora?")
        pos = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
        per_theme = {}
        for t in THEMES:
            ct_ = c[c["theme"] == t]
            f = machine[t].to_numpy(dtype=float)
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
            others = [(o, per_corpus[o][t]) for o in per_corpus if o != name]
            of = np.concatenate([o[0][o[1]] for _, o in others])
            oy = np.concatenate([o[2][o[1]] for _, o in others])
            op = np.concatenate([o[3][o[1]] for _, o in others])
            corpus_of = np.concatenate([np.full(int(o[1].sum()), n) for n, o in others])
            # heterogeneity between the other corpora's error rates: added to the interval
            res = pooled_residuals(of, np.ones(len(of), bool), oy, op, cells=corpus_of)
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
                "transported_test": heterogeneity_note(res),
                "note": own.note or moved.note})
    table = pd.DataFrame(rows)
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 200,
                           "display.max_columns", 30):
        print(table.drop(columns=["note", "transported_test"]).to_string(index=False))
        print(table[["corpus", "theme", "transported_test"]].to_string(index=False))
        notes = table[table["note"] != ""]
        if len(notes):
            print(notes[["corpus", "theme", "note"]].to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
