"""Near-duplicate detection: MinHash LSH + exact check vs brute-force exact Jaccard.

Corpus: N articles of ../shared/corpora/vnds-test (real news; `_` joins removed),
plus K syndicated copies made here from K of them (a new headline line, one
sentence dropped, a credit line appended). Ground truth: all pairs with exact
Jaccard of 3-word shingles >= 0.8, found by comparing every pair.

Prints, per round (interleaved, the machine is shared): time of
civictext.ingest.dedup.near_duplicates and of the all-pairs exact computation, their
ratio, and the recall / precision of the LSH clusters against the exact ones.

    python benchmarks/bench_dedup.py [N] [K] [ROUNDS]
"""
from __future__ import annotations

import gzip
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import os  # noqa: E402

from civictext.ingest.dedup import near_duplicates, shingles  # noqa: E402

_CANDIDATES = [Path(os.environ["CIVICTEXT_SHARED_CORPORA"])] if "CIVICTEXT_SHARED_CORPORA" in os.environ \
    else [ROOT.parent / "shared" / "corpora", ROOT.parent.parent / "shared" / "corpora"]
VNDS = next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0]) / "vnds-test" / "articles.seg.jsonl.gz"


def load(n: int, k: int, seed: int = 0) -> pd.DataFrame:
    rows = []
    with gzip.open(VNDS, "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, n):
            rec = json.loads(line)
            rows.append({"doc_id": str(rec["id"]),
                         "text": rec["text_segmented"].replace("_", " ")})
    rng = np.random.default_rng(seed)
    for i in rng.choice(len(rows), size=k, replace=False):
        sents = rows[i]["text"].split(". ")
        drop = int(rng.integers(len(sents)))
        text = "Tin đăng lại\n\n" + ". ".join(sents[:drop] + sents[drop + 1:]) + " Theo báo khác."
        rows.append({"doc_id": f"copy-{rows[i]['doc_id']}", "text": text})
    return pd.DataFrame(rows)


def exact_pairs(df: pd.DataFrame, threshold: float) -> set[tuple[int, int]]:
    sets = [shingles(t) for t in df["text"]]
    out = set()
    for i in range(len(sets)):
        a = sets[i]
        for j in range(i):
            b = sets[j]
            if a and b and len(a & b) / len(a | b) >= threshold:
                out.add((j, i))
    return out


def lsh_pairs(report: pd.DataFrame) -> set[tuple[int, int]]:
    pos = {d: i for i, d in enumerate(report["doc_id"])}
    out = set()
    for _, g in report[report["size"] > 1].groupby("cluster"):
        idx = sorted(pos[d] for d in g["doc_id"])
        out.update(itertools.combinations(idx, 2))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    if not VNDS.exists():
        sys.exit(f"needs {VNDS}")
    df = load(n, k)
    print(f"{len(df)} documents ({n} VNDS articles + {k} made-up syndicated copies), threshold 0.8")
    for r in range(rounds):
        t0 = time.perf_counter()
        report = near_duplicates(df, threshold=0.8)
        t_lsh = time.perf_counter() - t0
        t0 = time.perf_counter()
        truth = exact_pairs(df, 0.8)
        t_exact = time.perf_counter() - t0
        found = lsh_pairs(report)
        recall = len(found & truth) / len(truth) if truth else float("nan")
        precision = len(found & truth) / len(found) if found else float("nan")
        print(f"round {r}: near_duplicates {t_lsh:.2f} s, all-pairs exact {t_exact:.2f} s, "
              f"ratio {t_exact / t_lsh:.1f}x; pairs exact {len(truth)}, found {len(found)}, "
              f"recall {recall:.3f}, precision {precision:.3f}; "
              f"dropped {int((~report['is_representative']).sum())}")


if __name__ == "__main__":
    main()
