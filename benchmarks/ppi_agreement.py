"""civictext.trends.correction.corrected_mean against ppi-python's ppi_mean (lam=1), simulated.

ppi-python is NOT a civictext dependency (it pulls numba and gdown); run this in a
throwaway environment:

    python3 -m venv /tmp/ppi_venv && /tmp/ppi_venv/bin/pip install ppi-python==0.2.3
    /tmp/ppi_venv/bin/python benchmarks/ppi_agreement.py

Equal-probability samples ("equal": a simple random sample of the documents) and
samples with half the coded documents among machine positives ("unequal",
ppi_py given w = 1/pi). Point estimates must agree to rounding; the intervals
differ by construction (ppi_py: a Wald interval with the i.i.d. sandwich
variance; civictext: Jeffreys intervals per machine class at the effective
sample size of the stratified design variance, combined by MOVER).
"""
import sys
from pathlib import Path

import numpy as np
import ppi_py

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from civictext.trends.correction import corrected_mean  # noqa: E402


def run(design, N, n, p=0.3, rec=0.6, fpr=0.05, reps=300, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(reps):
        y = (rng.random(N) < p).astype(float)
        f = np.where(y == 1, rng.random(N) < rec, rng.random(N) < fpr).astype(float)
        pi = np.full(N, np.nan); coded = np.zeros(N, bool)
        if design == "equal":
            S = rng.choice(N, n, replace=False); pi[S] = n / N
        else:  # half the coded among machine positives
            S = []
            for cls in (0.0, 1.0):
                idx = np.flatnonzero(f == cls); k = min(n // 2, len(idx))
                s = rng.choice(idx, k, replace=False); pi[s] = k / len(idx); S += list(s)
            S = np.array(S)
        coded[S] = True
        ours = corrected_mean(f, coded, np.where(coded, y, np.nan), pi)
        w = None if design == "equal" else 1 / pi[S]
        est = float(np.ravel(ppi_py.ppi_mean_pointestimate(y[S], f[S], f, lam=1, w=w))[0])
        lo, hi = ppi_py.ppi_mean_ci(y[S], f[S], f, alpha=0.1, lam=1, w=w)
        rows.append((ours.estimate, est, ours.lo, ours.hi, float(np.ravel(lo)[0]), float(np.ravel(hi)[0])))
    a = np.array(rows); bad = np.isnan(a[:,0]); a = a[~bad]
    print(f"{design:8s} N={N} n={n}: max|point diff| {np.abs(a[:,0]-a[:,1]).max():.2e}; "
          f"width ours {np.mean(a[:,3]-a[:,2]):.4f} ppi {np.mean(a[:,5]-a[:,4]):.4f}; "
          f"coverage of p={p}: ours {np.mean((a[:,2]<=p)&(p<=a[:,3])):.3f} "
          f"ppi {np.mean((a[:,4]<=p)&(p<=a[:,5])):.3f}  ({reps} reps, {bad.sum()} not estimable by ours)")

run("equal", 2000, 200)
run("equal", 200, 20)
run("unequal", 2000, 200)
run("unequal", 200, 20)
