"""Benchmark: ``score_themes`` of this checkout against an older commit, side by side.

Checks out ``--ref`` into a temporary git worktree, then times
``score_themes(articles, n_tokens=...)`` on the same documents with each
version in turn (fresh subprocesses, alternating, ``--repeats`` rounds) and
prints the median ratio of wall times, this checkout / ref. Used to price a
change of the scoring code (0.2.0's focus rule: zones and per-sentence counts).

    PYTHONPATH=. python benchmarks/bench_score_vs_ref.py --ref 16e4702 \\
        --corpus /work/shared/corpora/news-feed/articles.jsonl.gz --limit 20000

The corpus is read once per subprocess (not timed). Prints ratios: the
machine may be shared.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
import pandas as pd
from civictext.ingest.reader import read_corpus
from civictext.themes.scoring import score_themes
arts = read_corpus(sys.argv[1], limit=int(sys.argv[2]))
n = pd.Series(arts["text"].str.split().str.len().to_numpy(), index=arts["doc_id"].astype(str))
score_themes(arts.head(50), n_tokens=n)          # compile the lexicon first
t0 = time.perf_counter()
s = score_themes(arts, n_tokens=n)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "documents": len(arts),
                  "chars": int(arts["text"].str.len().sum()),
                  "present": int(s["present"].sum())}))
"""


def _time(checkout: Path, corpus: str, limit: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, corpus, str(limit)], cwd=checkout,
                         env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True, help="git commit to compare with")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--limit", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(ref),
                        args.ref], check=True, capture_output=True)
        try:
            ratios = []
            for i in range(args.repeats):
                order = [("ref", ref), ("this", ROOT)] if i % 2 == 0 else [("this", ROOT),
                                                                           ("ref", ref)]
                got = {name: _time(path, args.corpus, args.limit) for name, path in order}
                ratios.append(got["this"]["seconds"] / got["ref"]["seconds"])
                print(f"round {i + 1}: this {got['this']['seconds']:.1f} s, ref "
                      f"{got['ref']['seconds']:.1f} s, ratio {ratios[-1]:.3f}; "
                      f"{got['this']['documents']} documents, "
                      f"{got['this']['chars'] / got['this']['seconds'] / 1e6:.2f} M chars/s "
                      f"(this); present this/ref {got['this']['present']}/"
                      f"{got['ref']['present']}", flush=True)
            print(f"median ratio this/ref: {statistics.median(ratios):.3f}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref)],
                           check=False, capture_output=True)


if __name__ == "__main__":
    main()
