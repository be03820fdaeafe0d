"""Precision of theme presence on real hits, from hand judgements.

Re-reads the corpora, re-scores the judged documents with the current
lexicons, joins ``benchmarks/labels/real_hits.csv`` (``sample, corpus, doc_id,
theme, term, judged_relevant, reason_code``; ids only, no text) and prints,
per judged sample and theme, and for each reading of ``present``:

* ``mention`` — the theme's vocabulary occurs (``score_themes``' ``mentioned``);
* ``focus`` — the default rule: mentioned and prominent (headline, lead plus a
  second sentence, or one sentence in five).

For each: ``n`` judged hits that are still hits, ``precision`` (share judged
relevant, with a Wilson 95 % interval), ``strict`` (the same with hits coded
``borderline`` counted as not relevant) and ``kept`` (relevant hits found
under this reading / relevant hits found under ``mention``: what the stricter
reading costs in recall, on the judged hits drawn among mentions; samples
named ``focus-*`` were drawn among focus hits and do not count there).

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora PYTHONPATH=.:benchmarks \\
        python benchmarks/precision_report.py [--labels FILE]

The honest number for a change is the one on a sample drawn *after* the
change (``focus-seed3`` for the focus rule, ``after-seed2`` for the lexicon
fixes), not on the hits it was tuned on.
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


def score_labels(lab: pd.DataFrame) -> pd.DataFrame:
    """``lab`` with ``mentioned`` and ``focus``: is each judged hit still a hit?"""
    found = []
    for corpus, g in lab.groupby("corpus", sort=True):
        arts = read(corpus)
        arts = arts[arts["doc_id"].astype(str).isin(set(g["doc_id"]))]
        h = theme_hits(arts)
        found.append(h.assign(corpus=corpus, doc_id=h["doc_id"].astype(str))[
            ["corpus", "doc_id", "theme", "mentioned", "present"]])
    hits = pd.concat(found, ignore_index=True).rename(columns={"present": "focus"})
    out = lab.merge(hits, on=["corpus", "doc_id", "theme"], how="left")
    out[["mentioned", "focus"]] = out[["mentioned", "focus"]].fillna(False).astype(bool)
    return out


def summarise(lab: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    rows = []
    for key, g in lab.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key), judged=len(g))
        # what the focus rule drops can only be seen on hits drawn by mention
        drawn = g[~g["sample"].str.startswith("focus-")]
        rel_mention = int(drawn.loc[drawn["mentioned"], "judged_relevant"].sum())
        rel_focus = int(drawn.loc[drawn["focus"], "judged_relevant"].sum())
        for reading in ("mentioned", "focus"):
            kept = g[g[reading]]
            k, n = int(kept["judged_relevant"].sum()), len(kept)
            strict = int(((kept["judged_relevant"] == 1)
                          & (kept["reason_code"] != "borderline")).sum())
            lo, hi = wilson(k, n)
            name = "mention" if reading == "mentioned" else "focus"
            row[f"{name}_n"] = n
            row[f"{name}_prec"] = round(k / n, 2) if n else float("nan")
            row[f"{name}_ci95"] = f"{lo:.2f}-{hi:.2f}" if n else "-"
            if name == "focus":
                row["focus_strict"] = round(strict / n, 2) if n else float("nan")
                row["focus_kept"] = (round(rel_focus / rel_mention, 2) if rel_mention
                                     else float("nan"))
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", default=str(LABELS))
    args = ap.parse_args()
    lab = pd.read_csv(args.labels, dtype={"doc_id": str})
    lab = score_labels(lab)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print("per judged sample and theme:")
        print(summarise(lab, ["sample", "theme"]).to_string(index=False))
        print("\nall judged hits, per theme (the focus rule was tuned on the "
              "before-seed1 and after-seed2 hits):")
        print(summarise(lab, ["theme"]).to_string(index=False))
        print("\nper corpus and theme:")
        print(summarise(lab, ["corpus", "theme"]).to_string(index=False))
        fp = lab[lab["focus"] & (lab["judged_relevant"] == 0)]
        print("\nfalse hits still found by the focus rule, by reason:")
        print(fp.groupby(["sample", "theme", "reason_code"]).size().to_string())


if __name__ == "__main__":
    main()
