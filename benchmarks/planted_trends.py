"""Planted-trend check, the big version: do theme_trends' intervals cover the truth?

SYNTHETIC data only (civictext.ingest.synthetic.planted_trend_corpus: the seed page's
own sentences, themes planted with known probabilities per period). For each
replicate, a corpus with a rising theme (satisfaction 0.10 -> 0.70), a flat one
(conduct 0.30) and a falling one (reform 0.50 -> 0.15) over 24 months is built,
scored with the simulator's own keywords (so the check isolates the trend
estimator from the theme scorer; ``--scorer themes`` uses
civictext.themes.scoring.score_themes instead, which agrees with the planted truth on
every article of the simulator), and theme_trends(freq="M") is compared with the
planted probabilities: coverage of the 90% bootstrap interval, mean absolute
error and bias of the share. 20% of the articles are dated to the year only, so
the check also covers the exclusion rule (they must not shift any month).

    /work/venv/bin/python benchmarks/planted_trends.py            # full study
    /work/venv/bin/python benchmarks/planted_trends.py --quick    # a smoke run
    /work/venv/bin/python benchmarks/planted_trends.py --speed    # bootstrap speed ratio

Expected: coverage close to 0.90 when periods have enough articles; the
percentile bootstrap is known to under-cover a little for small n and shares
near 0 or 1 (reported in the small-n row).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from civictext.ingest.synthetic import planted_keyword_scores, planted_trend_corpus  # noqa: E402
from civictext.trends.shares import theme_trends  # noqa: E402

N_PERIODS = 24
SHARES = {
    "satisfaction": np.linspace(0.10, 0.70, N_PERIODS),
    "conduct": np.full(N_PERIODS, 0.30),
    "reform": np.linspace(0.50, 0.15, N_PERIODS),
}
PERIODS = [str(p) for p in pd.period_range("2020-01", periods=N_PERIODS, freq="M")]


def one_replicate(n_per_period: int, seed: int, scorer, level: float, n_boot: int) -> pd.DataFrame:
    arts, truth = planted_trend_corpus(SHARES, PERIODS, n_per_period, random_state=seed,
                                       year_only_share=0.2)
    t = theme_trends(scorer(arts), arts, freq="M", level=level, n_boot=n_boot,
                     random_state=seed)
    assert t.attrs["excluded"].get("year", 0) == int((arts["date_precision"] == "year").sum())
    m = t.merge(truth[["period", "theme", "planted_share"]], on=["period", "theme"])
    m["covered"] = (m["share_lo"] <= m["planted_share"]) & (m["planted_share"] <= m["share_hi"])
    m["error"] = m["share"] - m["planted_share"]
    m["n_per_period"] = n_per_period
    m["seed"] = seed
    return m


def naive_boot(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Reference: gather each resample's rows, then the mean (what a first version does)."""
    n = len(values)
    idx = rng.integers(0, n, size=(n_boot, n))
    return values[idx].mean(axis=1)


def speed(rounds: int = 7) -> None:
    """CPU-time ratio of the shipped bootstrap (count matrix x values) to the naive
    gather, interleaved round by round on the same cells (the machine is shared)."""
    from civictext.trends.shares import _boot_interval

    rng = np.random.default_rng(0)
    print("bootstrap of one cell, 1000 resamples, 6 columns (3 themes x share, per_1k):")
    for n in (50, 800, 5000):
        values = rng.random((n, 6))
        t_new, t_old = [], []
        for r in range(rounds):
            for which in ((0, 1) if r % 2 else (1, 0)):
                t = time.process_time()
                if which == 0:
                    _boot_interval(values, None, np.random.default_rng(r), 1000, 0.9)
                    t_new.append(time.process_time() - t)
                else:
                    naive_boot(values, np.random.default_rng(r), 1000)
                    t_old.append(time.process_time() - t)
        ratio = np.median(np.array(t_old) / np.array(t_new))
        print(f"  n={n:5d} articles: naive/shipped CPU-time ratio {ratio:.2f} "
              f"(median of {rounds} interleaved rounds)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few replicates (smoke run)")
    ap.add_argument("--replicates", type=int, default=30)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 60, 200])
    ap.add_argument("--level", type=float, default=0.90)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--scorer", choices=["keywords", "themes"], default="keywords")
    ap.add_argument("--speed", action="store_true", help="only the bootstrap speed ratio")
    args = ap.parse_args()
    if args.speed:
        speed()
        return
    reps = 3 if args.quick else args.replicates
    if args.scorer == "themes":
        from civictext.themes.scoring import score_themes as scorer
    else:
        scorer = planted_keyword_scores
    print(f"SYNTHETIC planted-trend check ({args.scorer} scorer): {N_PERIODS} months x "
          f"{len(SHARES)} themes, "
          f"{reps} replicates per size, level {args.level}, n_boot {args.n_boot}, "
          f"20% of articles dated to the year only (excluded from months)")
    frames = []
    t0 = time.perf_counter()
    for n in args.sizes:
        for seed in range(reps):
            frames.append(one_replicate(n, seed, scorer, args.level, args.n_boot))
    res = pd.concat(frames, ignore_index=True)
    res = res[res["n_articles"] > 1].assign(width=lambda d: d["share_hi"] - d["share_lo"])
    summary = res.groupby("n_per_period").agg(
        cells=("covered", "size"), coverage=("covered", "mean"),
        mean_abs_error=("error", lambda e: e.abs().mean()), bias=("error", "mean"),
        mean_width=("width", "mean")).reset_index()
    by_theme = res.groupby(["n_per_period", "theme"])["covered"].mean().unstack()
    pd.set_option("display.width", 120)
    print("\nCoverage of the planted share by the interval, per articles-per-period "
          "(dated articles per month are ~80% of this):")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nCoverage by theme:")
    print(by_theme.to_string(float_format=lambda v: f"{v:.3f}"))
    # binomial sampling band for the coverage estimate itself
    for _, r in summary.iterrows():
        se = np.sqrt(args.level * (1 - args.level) / r["cells"])
        print(f"n={int(r['n_per_period'])}: coverage {r['coverage']:.3f} "
              f"(nominal {args.level:.2f}; +-{2 * se:.3f} is 2 s.e. if cells were independent)")
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
