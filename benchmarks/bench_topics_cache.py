"""run_all's sequence ``count_tokens`` -> ``fit_topics(method="seeded")``: before vs after
the topic model reads the token cache.

"before" fits with civictext's ``Analyzer`` called one text at a time (the path
used until ``Analyzer.analyze_many``: every document segmented a second time);
"after" is the default ``fit_topics``, whose ``Analyzer.analyze_many`` reads the
entries ``count_tokens`` just wrote. Each round starts both variants from an empty
token cache (own temporary folder), alternating which runs first; the machine is
shared, so read the ratios. Also checks both give identical doc_topics/top_terms.

Corpus: SYNTHETIC articles (``civictext.ingest.synthetic.generate_corpus``).

    python benchmarks/bench_topics_cache.py [N_ARTICLES] [ROUNDS]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from civictext.ingest.synthetic import generate_corpus  # noqa: E402
from civictext.text.segmentation import Analyzer, count_tokens  # noqa: E402
from civictext.topics.model import fit_topics  # noqa: E402


class PerText:
    """The analyzer without ``analyze_many``: one segmenter run per text, no cache."""

    def __init__(self) -> None:
        self.inner = Analyzer()

    def __call__(self, text: str) -> list[str]:
        return self.inner(text)


def run(arts: pd.DataFrame, before: bool) -> tuple[float, float, object]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVICTEXT_CACHE"] = tmp
        w0, c0 = time.perf_counter(), time.process_time()
        count_tokens(arts)
        c1 = time.process_time()
        model = fit_topics(arts, method="seeded", random_state=0,
                           analyzer=PerText() if before else None)
        c2 = time.process_time()
        print(f"  {'before' if before else 'after '}: count_tokens {c1 - c0:.1f} s CPU, "
              f"fit_topics {c2 - c1:.1f} s CPU")
        return time.perf_counter() - w0, c2 - c0, model


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    arts = generate_corpus(n, random_state=0)
    Analyzer()("khởi động")  # load the CRF model and lexicon outside the timings
    print(f"{n} synthetic articles, {sum(map(len, arts.text)):,} characters, {rounds} rounds, "
          f"load average {os.getloadavg()[0]:.1f}")
    wall, cpu = [], []
    for r in range(rounds):
        order = (True, False) if r % 2 == 0 else (False, True)
        res = {b: run(arts, b) for b in order}
        (wb, cb, mb), (wa, ca, ma) = res[True], res[False]
        pd.testing.assert_frame_equal(ma.doc_topics, mb.doc_topics)
        pd.testing.assert_frame_equal(ma.top_terms, mb.top_terms)
        wall.append(wb / wa)
        cpu.append(cb / ca)
        print(f"round {r}: before {wb:.1f} s wall / {cb:.1f} s CPU, after {wa:.1f} s wall / "
              f"{ca:.1f} s CPU -> before/after wall {wb / wa:.2f}x, CPU {cb / ca:.2f}x; "
              "tables identical")
    print(f"median before/after: wall {statistics.median(wall):.2f}x, "
          f"CPU {statistics.median(cpu):.2f}x")


if __name__ == "__main__":
    main()
