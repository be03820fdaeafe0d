"""Topic models: what the speed choices in civictext.topics.model buy, measured side by side.

Three comparisons, each run ROUNDS times with the two variants interleaved (the
machine is shared: read the ratios, not the seconds):

1. ``topic_stability`` (vectorises once, fits per seed) vs the naive loop that
   calls ``fit_topics`` once per seed (re-analysing every text each time), with
   an underthesea word-segmenting analyzer (sentence by sentence).
2. The seeded fit on a dense copy of the matrix (what civictext does below
   ``_DENSE_CELLS`` cells) vs on the sparse matrix; also checks both give the
   same topics.
3. Fit time of the three methods relative to ``nmf``.

Corpus: SYNTHETIC articles from the bundled seed page's sentences
(``civictext.ingest.synthetic.generate_corpus``).

    python benchmarks/bench_topics.py [N_ARTICLES] [ROUNDS]
"""
from __future__ import annotations

import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import civictext.topics.model as topics  # noqa: E402
from civictext.ingest.synthetic import generate_corpus  # noqa: E402

LEXICON = {
    "reform": ["cải cách hành chính", "thủ tục hành chính", "dịch vụ công trực tuyến", "một cửa"],
    "conduct": ["quy tắc ứng xử", "văn hóa công sở", "nơi công cộng", "giao tiếp", "thái độ"],
    "satisfaction": ["hài lòng", "niềm tin", "SIPAS", "PAPI"],
}
STOP = frozenset("là và của các có được với những trong đã cho để một này khi từ tại theo "
                 "về đến như thì mà ở nhiều năm".split())


class SegmentingAnalyzer:
    """underthesea word_tokenize per sentence; lowercase, '_'-joined, no stop words."""

    def __call__(self, text: str) -> list[str]:
        from underthesea import sent_tokenize, word_tokenize

        out = []
        for para in text.split("\n\n"):
            for sent in sent_tokenize(para):
                for w in word_tokenize(sent):
                    w = w.lower().replace(" ", "_")
                    if re.search(r"\w", w) and w not in STOP:
                        out.append(w)
        return out


class PhraseAnalyzer:
    """Regex syllables, lexicon phrases kept whole with '_', no stop words."""

    def __init__(self) -> None:
        self.phrases = sorted((t.lower() for ts in LEXICON.values() for t in ts), key=len,
                              reverse=True)

    def __call__(self, text: str) -> list[str]:
        text = text.lower()
        for p in self.phrases:
            text = text.replace(p, p.replace(" ", "_"))
        return [w for w in re.findall(r"\w+", text) if w not in STOP]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(n: int = 300, rounds: int = 3) -> None:
    warnings.simplefilter("ignore")
    arts = generate_corpus(n, random_state=0)
    analyzer = SegmentingAnalyzer()
    analyzer("Khởi động mô hình tách từ.")  # load the model before timing
    seeds = (0, 1, 2)
    kw = dict(method="seeded", n_topics=8, lexicon=LEXICON, analyzer=analyzer)
    print(f"{n} synthetic articles, {rounds} rounds, seeds {seeds}")

    print("\n1. topic_stability (vectorise once) vs fit_topics per seed")
    ratios = []
    for r in range(rounds):
        t_once, _ = timed(lambda: topics.topic_stability(arts, seeds=seeds, **kw))
        t_naive, _ = timed(lambda: [topics.fit_topics(arts, random_state=s, **kw) for s in seeds])
        ratios.append(t_naive / t_once)
        print(f"  round {r}: once {t_once:.2f}s  naive {t_naive:.2f}s  naive/once {ratios[-1]:.2f}")
    print(f"  median naive/once: {np.median(ratios):.2f}")

    print("\n2. seeded fit: dense copy vs sparse matrix")
    words = PhraseAnalyzer()  # cheap, keeps the lexicon phrases whole: isolates the solver
    design = topics._prepare(arts, method="seeded", analyzer=words, lexicon=LEXICON, min_df=2,
                             max_df=0.95, seed_weight=2.0, where="bench")
    k = topics._resolve_n_topics(design, 8, None, "bench")
    limit = topics._DENSE_CELLS
    ratios, diffs = [], []
    for r in range(rounds):
        topics._DENSE_CELLS = limit
        t_dense, m_dense = timed(lambda: topics._fit(design, n_topics=k, random_state=0,
                                                     seed_exclusive=True, n_top_terms=10,
                                                     max_iter=None))
        topics._DENSE_CELLS = -1
        t_sparse, m_sparse = timed(lambda: topics._fit(design, n_topics=k, random_state=0,
                                                       seed_exclusive=True, n_top_terms=10,
                                                       max_iter=None))
        topics._DENSE_CELLS = limit
        ratios.append(t_sparse / t_dense)
        diffs.append(float(np.abs(m_dense.topic_term - m_sparse.topic_term).max()))
        print(f"  round {r}: dense {t_dense:.2f}s  sparse {t_sparse:.2f}s  "
              f"sparse/dense {ratios[-1]:.2f}  max |diff| of topic-term {diffs[-1]:.1e}")
    print(f"  median sparse/dense: {np.median(ratios):.2f}  (matrix {design.X.shape})")

    print("\n3. fit time by method, relative to nmf (same vectorised corpus per method)")
    per = {m: [] for m in topics.METHODS}
    designs = {m: topics._prepare(arts, method=m, analyzer=words, lexicon=LEXICON, min_df=2,
                                  max_df=0.95, seed_weight=2.0, where="bench")
               for m in topics.METHODS}
    for r in range(rounds):
        for m in topics.METHODS:
            d = designs[m]
            kk = topics._resolve_n_topics(d, 8, None, "bench")
            t, _ = timed(lambda: topics._fit(d, n_topics=kk, random_state=r, seed_exclusive=True,
                                             n_top_terms=10, max_iter=None))
            per[m].append(t)
    base = np.median(per["nmf"])
    for m in topics.METHODS:
        print(f"  {m:7s} median {np.median(per[m]):.2f}s  x{np.median(per[m]) / base:.1f} of nmf")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
