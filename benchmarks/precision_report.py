"""Precision of theme presence on real hits, from hand judgements.

Re-reads the corpora, re-scores them with the current lexicons, joins
``benchmarks/labels/real_hits.csv`` (``sample, corpus, doc_id, theme, term,
judged_relevant, reason_code``; ids only, no text) and prints, per judged
sample and theme: how many judged hits there are, how many are still hits
under the current lexicons, and precision = share judged relevant among the
hits still found (with a Wilson 95% interval). Also the reasons of the false
hits still found.

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora PYTHONPATH=. \\
        /work/venv/bin/python benchmarks/precision_report.py [--labels FILE]

The honest number for a lexicon change is the one on a sample drawn *after*
the change (``sample`` = ``after-*``), not on the hits it was tuned on.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from _realcorpora import read, theme_hits  # type: ignore[import-not-found]

LABELS = Path(__file__).resolve().parent / "labels" / "real_hits.csv"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", default=str(LABELS))
    args = ap.parse_args()
    lab = pd.read_csv(args.labels, dtype={"doc_id": str})
    still = []
    for corpus, g in lab.groupby("corpus", sort=True):
        arts = read(corpus)
        arts = arts[arts["doc_id"].astype(str).isin(set(g["doc_id"]))]
        h = theme_hits(arts)
        still.extend((corpus, d, t) for d, t in zip(h["doc_id"].astype(str), h["theme"]))
    key = set(still)
    lab["still_hit"] = [k in key for k in zip(lab["corpus"], lab["doc_id"], lab["theme"])]
    rows = []
    for (sample, theme), g in lab.groupby(["sample", "theme"], sort=True):
        kept = g[g["still_hit"]]
        k, n = int(kept["judged_relevant"].sum()), len(kept)
        lo, hi = wilson(k, n)
        rows.append({"sample": sample, "theme": theme, "judged": len(g),
                     "precision_as_drawn": round(g["judged_relevant"].mean(), 3),
                     "still_hits": n, "precision_now": round(k / n, 3) if n else float("nan"),
                     "ci95": f"{lo:.2f}-{hi:.2f}",
                     "relevant_lost": int(g.loc[~g["still_hit"], "judged_relevant"].sum())})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False))
        fp = lab[lab["still_hit"] & (lab["judged_relevant"] == 0)]
        print("\nfalse hits still found, by reason:")
        print(fp.groupby(["sample", "theme", "reason_code"]).size().to_string())


if __name__ == "__main__":
    main()
