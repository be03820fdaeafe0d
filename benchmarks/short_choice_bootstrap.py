"""How sure the default's short-text choice is: the mention rule's held-out F1 minus the
model's, for one theme among the real corpora's coded documents of at most
``SHORT_MAX_TOKENS`` tokens, with a paired stratified bootstrap (issue 15).

Reads ``benchmarks/labels/coded/cv_predictions.csv`` (written by ``train_theme_model.py``):
each document weighted by ``1 / pi``; resamples within (held-out group, stratum); both
measures' F1 from the same resample. Prints the point difference, its percentile
interval and the share of resamples above 0.

    .venv/bin/python benchmarks/short_choice_bootstrap.py --theme satisfaction
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from civictext.themes.model import SHORT_MAX_TOKENS, _weighted_prf

PRED = Path(__file__).resolve().parent / "labels" / "coded" / "cv_predictions.csv"


def _f1(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """The design-weighted F1 cv_results.csv reports (0 when nothing relevant is found)."""
    return _weighted_prf(y, x, w)[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--theme", default="satisfaction")
    ap.add_argument("--a", default="mention", help="measure column (default mention)")
    ap.add_argument("--b", default="model", help="measure column (default model)")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    p = pd.read_csv(PRED, dtype={"doc_id": str})
    p = p[(p["group"] != "labelled") & (p["n_tokens"] <= SHORT_MAX_TOKENS)
          & (p["theme"] == args.theme)].reset_index(drop=True)
    w, y = 1 / p["pi"].to_numpy(float), p["relevant"].to_numpy(float)
    a, b = p[args.a].astype(float).to_numpy(), p[args.b].astype(float).to_numpy()
    rng = np.random.default_rng(args.seed)
    groups = [g.index.to_numpy() for _, g in p.groupby(["group", "stratum"])]
    diffs = np.empty(args.n_boot)
    for i in range(args.n_boot):
        m = np.zeros(len(p))
        for g in groups:
            np.add.at(m, rng.choice(g, len(g)), 1)
        diffs[i] = _f1(a, y, w * m) - _f1(b, y, w * m)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    print(f"{args.theme}, {len(p)} short documents, {int(y.sum())} positives: "
          f"{args.a} F1 {_f1(a, y, w):.2f}, {args.b} {_f1(b, y, w):.2f}; difference "
          f"{_f1(a, y, w) - _f1(b, y, w):.2f} (95 % {lo:.2f} to {hi:.2f}; above 0 in "
          f"{(diffs > 0).mean():.0%} of {args.n_boot} resamples)")


if __name__ == "__main__":
    main()
