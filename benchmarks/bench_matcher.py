"""Lexicon matching speed and identity: the Aho-Corasick matcher against the old
full scan (``benchmarks/_themes_ref.py``, a frozen copy of themes.py before the
change) and against one naive alternation regex of all terms, side by side.

    .venv/bin/python benchmarks/bench_matcher.py [--limit N] [--corpora dantri,vnds,...]

For each shared corpus (``$CIVICTEXT_SHARED_CORPORA``, default ../shared/corpora):
reads it once, normalises the texts, then times, interleaved over ``--rounds``
rounds on the same texts: the new ``themes._find_hits`` (matcher), the old
``_find_hits`` (reference) and ``naive.finditer`` (one case-insensitive
alternation regex of every term, no boundary or context checks). Prints MB/s of
each and the ratios, and checks that ``theme_evidence`` and ``score_themes`` of
the new code equal the reference's, row for row (every column). Only counts and
ids are printed, never text.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _themes_ref as ref  # noqa: E402
from benchmarks._realcorpora import shared_root  # noqa: E402
from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.text.normalize import normalize_text  # noqa: E402
from civictext.themes import scoring as themes  # noqa: E402
from civictext.themes.lexicon import load_lexicons  # noqa: E402

CORPORA = {
    "dantri": "dantri-unc/articles",
    "vnds": "vnds-test/articles.seg.jsonl.gz",
    "newsfeed": "news-feed/articles.jsonl.gz",
    "vnds-train": "vnds-train/articles.seg.jsonl.gz",
    "vn4news": "vn4news2020/articles.jsonl.gz",
}


def naive_pattern(lexicon) -> re.Pattern[str]:
    terms = sorted(lexicon.terms["term"], key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def compare(articles: pd.DataFrame, lexicon) -> tuple[bool, int]:
    """Evidence and scores of the new code equal to the reference's (all columns)."""
    themes._LAST_PASS.clear() if hasattr(themes, "_LAST_PASS") else None
    ev_new = themes.theme_evidence(articles, lexicon)
    ev_old = ref.theme_evidence(articles, lexicon)
    ones = pd.Series(1, index=articles["doc_id"].astype(str))
    sc_new = themes.score_themes(articles, lexicon, n_tokens=ones)
    sc_old = ref.score_themes(articles, lexicon, n_tokens=ones)
    same = ev_new.equals(ev_old) and sc_new.equals(sc_old)
    if not same:
        diff = ev_new.merge(ev_old, how="outer", indicator=True)
        bad = diff[diff["_merge"] != "both"]
        print(f"    MISMATCH: {len(bad)} evidence rows differ, e.g. doc_ids "
              f"{bad['doc_id'].head(5).tolist()}")
    return same, len(ev_new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="records per corpus (default all)")
    ap.add_argument("--corpora", default=",".join(CORPORA))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    lexicon = load_lexicons()
    new_terms = themes._compiled(lexicon)
    old_terms = ref._compiled(lexicon)
    naive = naive_pattern(lexicon)
    for name in args.corpora.split(","):
        path = shared_root() / CORPORA[name]
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        articles = read_corpus(path, limit=args.limit)
        texts = [normalize_text(t) for t in articles["text"]]
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        same, n_hits = compare(articles, lexicon)
        t_new = t_old = t_naive = 0.0
        for _ in range(args.rounds):                 # interleaved: same load for all three
            t0 = time.process_time()
            for t in texts:
                themes._find_hits(t, new_terms)
            t1 = time.process_time()
            for t in texts:
                ref._find_hits(t, old_terms)
            t2 = time.process_time()
            for t in texts:
                for _m in naive.finditer(t):
                    pass
            t3 = time.process_time()
            t_new += t1 - t0
            t_old += t2 - t1
            t_naive += t3 - t2
        r = args.rounds
        print(f"{name}: {len(texts)} docs, {mb:.1f} MB, {n_hits} hits, identical to the "
              f"reference: {same}")
        print(f"    new {mb * r / t_new:6.1f} MB/s   old {mb * r / t_old:6.1f} MB/s   naive regex "
              f"{mb * r / t_naive:6.1f} MB/s   new/old speed {t_old / t_new:5.1f}x   "
              f"new/naive speed {t_naive / t_new:5.1f}x   (CPU s per round: new "
              f"{t_new / r:.2f}, old {t_old / r:.2f}, naive {t_naive / r:.2f})")


if __name__ == "__main__":
    main()
