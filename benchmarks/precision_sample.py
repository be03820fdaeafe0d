"""Draw a stratified, seeded sample of real theme hits for hand judgement.

A *hit* is a (document, theme) pair where the theme is present under the
current lexicons and ``score_themes``' presence rule (``--presence``: "focus",
the default, or "mention"). The sample is stratified by
theme and corpus: ``--per-cell`` hits from each (theme, corpus) cell, topped up
from the other corpora of that theme when a cell has fewer, so that every theme
gets ``3 * per_cell`` hits. Writes ``corpus, doc_id, theme, term`` only (no
article text) to ``--out``.

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora PYTHONPATH=. \\
        /work/venv/bin/python benchmarks/precision_sample.py --seed 1 --out sample.csv \\
        [--exclude benchmarks/labels/real_hits.csv]

``--exclude`` drops hits already in a labels file (a fresh sample for the
after-fix measurement).
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from _realcorpora import CORPORA, read, theme_hits  # type: ignore[import-not-found]
from civictext._io import write_csv


def draw(hits: pd.DataFrame, per_cell: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = []
    for theme, sub in hits.groupby("theme", sort=True):
        want = 3 * per_cell
        picked: list[pd.DataFrame] = []
        pools = {c: g.iloc[rng.permutation(len(g))] for c, g in sub.groupby("corpus", sort=True)}
        for c, g in pools.items():
            picked.append(g.head(per_cell))
        taken = sum(len(p) for p in picked)
        for c, g in pools.items():  # top up from corpora with more hits
            if taken >= want:
                break
            extra = g.iloc[per_cell:per_cell + (want - taken)]
            picked.append(extra)
            taken += len(extra)
        out.append(pd.concat(picked))
    return pd.concat(out)[["corpus", "doc_id", "theme", "term"]].reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--per-cell", type=int, default=18)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclude", help="labels CSV whose (corpus, doc_id, theme) are left out")
    ap.add_argument("--presence", choices=["focus", "mention"], default="focus")
    args = ap.parse_args()
    frames = []
    for name in CORPORA:
        arts = read(name)
        h = theme_hits(arts, presence=args.presence)
        h = h[h["present"]].drop(columns=["mentioned", "present"])
        h.insert(0, "corpus", name)
        print(f"{name}: {len(arts)} documents, hits per theme "
              f"{h.groupby('theme').size().to_dict()}")
        frames.append(h)
    hits = pd.concat(frames, ignore_index=True)
    if args.exclude:
        old = pd.read_csv(args.exclude, dtype=str)
        key = set(zip(old["corpus"], old["doc_id"], old["theme"]))
        hits = hits[[k not in key for k in zip(hits["corpus"], hits["doc_id"].astype(str),
                                                hits["theme"])]]
    sample = draw(hits, args.per_cell, args.seed)
    write_csv(args.out, sample)
    print(f"wrote {args.out}: {len(sample)} hits; per theme x corpus:")
    print(sample.groupby(["theme", "corpus"]).size().unstack(fill_value=0))


if __name__ == "__main__":
    main()
