"""Agreement between two coders of real theme hits, and precision under each.

Joins ``benchmarks/labels/real_hits.csv`` (coder 1) with
``benchmarks/labels/real_hits_coder2.csv`` (coder 2, who judged a subset
without seeing coder 1's verdicts) on ``corpus, doc_id, theme`` and prints,
per theme and overall: the number of hits both judged, raw agreement, Cohen's
kappa, and the share judged relevant by coder 1, by coder 2 and by both
(the strictest reading). Ids and verdicts only; no text.

    PYTHONPATH=. python benchmarks/intercoder.py
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

LABELS = Path(__file__).resolve().parent / "labels"


def cohen_kappa(a: pd.Series, b: pd.Series) -> float:
    """Cohen's kappa of two 0/1 codings of the same items."""
    a, b = a.astype(int).to_numpy(), b.astype(int).to_numpy()
    n = len(a)
    if n == 0:
        return float("nan")
    observed = (a == b).mean()
    p_a, p_b = a.mean(), b.mean()
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)


def table(both: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for theme, g in [*both.groupby("theme", sort=True), ("all", both)]:
        rows.append({"theme": theme, "n": len(g),
                     "agreement": round((g["coder1"] == g["coder2"]).mean(), 3),
                     "kappa": round(cohen_kappa(g["coder1"], g["coder2"]), 3),
                     "relevant_coder1": round(g["coder1"].mean(), 3),
                     "relevant_coder2": round(g["coder2"].mean(), 3),
                     "relevant_both": round((g["coder1"] & g["coder2"]).mean(), 3)})
    return pd.DataFrame(rows)


def main() -> None:
    c1 = pd.read_csv(LABELS / "real_hits.csv", dtype={"doc_id": str})
    c2 = pd.read_csv(LABELS / "real_hits_coder2.csv", dtype={"doc_id": str})
    both = c1.merge(c2, on=["corpus", "doc_id", "theme"], suffixes=("_1", "_2"))
    if len(both) != len(c2):
        raise SystemExit(f"{len(c2) - len(both)} coder-2 rows have no coder-1 judgement")
    both = both.assign(coder1=both["judged_relevant_1"].astype(bool),
                       coder2=both["judged_relevant_2"].astype(bool))
    with pd.option_context("display.width", 160):
        print(table(both).to_string(index=False))
        dis = both[both["coder1"] != both["coder2"]]
        print(f"\n{len(dis)} disagreements, by theme and coder-2 reason:")
        print(dis.groupby(["theme", "reason_code_2"]).size().to_string())


if __name__ == "__main__":
    main()
