"""Benchmark: lexicon matching speed, with and without the word pre-check.

``themes._find_hits`` skips a term when one of its (folded) words is absent
from the document, and skips the accent-less (folded) search when a word of the
term is not typed without accents in the document, before running any regular
expression. This script
measures what that saves, side by side in one run (interleaved repeats, median
ratio), on a SYNTHETIC corpus built from the seed page's sentences, and the
throughput of ``theme_evidence`` in characters per second.

    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_themes.py [--articles 300] [--repeats 5]

Prints ratios, not absolute claims: the machine may be shared.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from civictext.ingest.synthetic import generate_corpus
from civictext.text.normalize import normalize_text
from civictext.themes import scoring as themes
from civictext.themes.lexicon import load_lexicons


def _run(texts: list[str], terms) -> float:
    t0 = time.perf_counter()
    for text in texts:
        themes._find_hits(text, terms)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    arts = generate_corpus(args.articles, random_state=0)
    texts = [normalize_text(t) for t in arts["text"]]
    chars = sum(map(len, texts))
    lex = load_lexicons()
    with_check = themes._compile(lex)
    without = [dataclasses.replace(t, keys=()) for t in with_check]
    _run(texts[:10], with_check)
    ratios, speeds = [], []
    for _ in range(args.repeats):
        a = _run(texts, with_check)
        b = _run(texts, without)
        ratios.append(b / a)
        speeds.append(chars / a)
    t0 = time.perf_counter()
    themes.theme_evidence(arts, lex)
    full = time.perf_counter() - t0
    print(f"corpus: {len(texts)} synthetic articles, {chars:,} characters, {len(with_check)} terms")
    print(f"matching without / with word pre-checks: median ratio {statistics.median(ratios):.2f}x "
          f"(runs: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"matching with pre-checks: median {statistics.median(speeds) / 1e6:.2f} M chars/s")
    print(f"theme_evidence end to end (normalise + match + table): {chars / full / 1e6:.2f} M chars/s")


if __name__ == "__main__":
    main()
