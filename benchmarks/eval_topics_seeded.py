"""Seeded topics on real news: what ``seed_weight`` does (quality, not speed).

Corpus: ../shared/corpora/vnds-test (real news, word-segmented; the ``_`` joins
are removed and the text normalised). In file order, the first N articles that
contain a term of the small lexicon below ("civic") and the first N that do not
("other"). The analyzer lowercases, keeps the lexicon's phrases whole, splits
syllables and drops a short stop list and numbers (civictext's own Analyzer
segments words; this script only needs the lexicon phrases whole).

For each seed_weight it prints, per theme: the mean weight of the theme's named
topic in articles that mention one of its terms and in "other" articles, the
share of the mentioning articles whose heaviest topic is the theme's, the rank
of each seed term in the topic, and the topic's top terms.

    python benchmarks/eval_topics_seeded.py [N] [SEED_WEIGHT ...]   # default 800 2 5 20
"""
from __future__ import annotations

import gzip
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import civictext.topics.model as topics  # noqa: E402
from civictext.text.normalize import normalize_text  # noqa: E402

_CANDIDATES = ([Path(os.environ["CIVICTEXT_SHARED_CORPORA"])] if "CIVICTEXT_SHARED_CORPORA"
               in os.environ else [ROOT.parent / "shared" / "corpora",
                                   ROOT.parent.parent / "shared" / "corpora"])
SHARED = next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0])
VNDS = SHARED / "vnds-test" / "articles.seg.jsonl.gz"
LEXICON = {
    "reform": ["cải cách hành chính", "thủ tục hành chính", "dịch vụ công trực tuyến", "một cửa",
               "chính quyền điện tử"],
    "conduct": ["quy tắc ứng xử", "văn hóa công sở", "nơi công cộng", "đạo đức công vụ",
                "nhũng nhiễu", "kỷ cương"],
    "satisfaction": ["hài lòng", "niềm tin", "SIPAS", "PAPI", "phản ánh kiến nghị"],
}
STOP = frozenset("là và của các có được với những trong đã cho để một này khi từ tại theo về "
                 "đến như thì mà ở nhiều năm không người cũng sẽ đó vào ra lại nhưng nên còn "
                 "đang rất làm".split())


class PhraseAnalyzer:
    def __init__(self, phrases: tuple[str, ...]):
        self.phrases = tuple(sorted(phrases, key=len, reverse=True))

    def __call__(self, text: str) -> list[str]:
        text = text.lower()
        for p in self.phrases:
            text = text.replace(p, p.replace(" ", "_"))
        return [w for w in re.findall(r"\w+", text) if w not in STOP and not w.isdigit()]


def load(n: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    civic, other = [], []
    with gzip.open(VNDS, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            raw = rec["text_segmented"].replace("_", " ")
            low = raw.lower().replace("hoá", "hóa")
            hit = [th for th, terms in LEXICON.items() if any(t.lower() in low for t in terms)]
            if hit and len(civic) < n:
                civic.append((str(rec["id"]), normalize_text(raw), hit))
            elif not hit and len(other) < n:
                other.append((str(rec["id"]), normalize_text(raw), []))
            if len(civic) >= n and len(other) >= n:
                break
    rows = civic + other
    arts = pd.DataFrame({"doc_id": [r[0] for r in rows], "text": [r[1] for r in rows]})
    return arts, {r[0]: r[2] for r in rows}


def main(n: int = 800, weights: tuple[float, ...] = (2.0, 5.0, 20.0)) -> None:
    if not VNDS.is_file():
        sys.exit(f"needs {VNDS}")
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    arts, hits = load(n)
    analyzer = PhraseAnalyzer(tuple(t.lower() for ts in LEXICON.values() for t in ts))
    print(f"{len(arts)} articles ({n} civic, {n} other) loaded in {time.perf_counter() - t:.0f}s")
    for sw in weights:
        t = time.perf_counter()
        m = topics.fit_topics(arts, method="seeded", n_topics=12, analyzer=analyzer,
                              lexicon=LEXICON, seed_weight=sw, min_df=3, max_df=0.5,
                              max_iter=150, random_state=0)
        print(f"\nseed_weight={sw:g}: fitted in {time.perf_counter() - t:.0f}s")
        w = m.doc_topics.pivot(index="doc_id", columns="topic", values="weight")
        top = w.idxmax(axis=1)
        phi, vocab = m.topic_term, list(m.vocabulary)
        for k, theme in enumerate(m.topics["seeded_theme"]):
            if not theme:
                continue
            has = np.array([theme in hits[d] for d in w.index])
            none = np.array([not hits[d] for d in w.index])
            order = np.argsort(-phi[k], kind="stable")
            seed_tokens = m.seed_terms.loc[(m.seed_terms["theme"] == theme)
                                           & m.seed_terms["in_vocabulary"], "token"]
            ranks = {tok: int(np.where(order == vocab.index(tok))[0][0]) + 1 for tok in seed_tokens}
            terms = " ".join(m.top_terms.loc[m.top_terms["topic"] == k, "term"])
            print(f"  {theme:12s} weight with its terms {w.loc[has, k].mean():.3f}, in other "
                  f"articles {w.loc[none, k].mean():.3f}; heaviest topic for "
                  f"{(top[has] == k).mean():.2f} of mentioning articles; "
                  f"coherence {m.topics.loc[k, 'coherence_npmi']:.3f}")
            print(f"  {'':12s} seed ranks {ranks}")
            print(f"  {'':12s} top terms: {terms}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 800, tuple(float(a) for a in args[1:]) or (2.0, 5.0, 20.0))
