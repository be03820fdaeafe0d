"""Real-text benchmark: word segmentation on de-segmented VNDS sentences.

1. Throughput, side by side (interleaved repeats, median ratio): civictext's
   segmentation of one sentence (``tokenize.segment_text``: underthesea's CRF
   run step by step with offsets, plus the lexicon compound pass) vs bare
   ``underthesea.word_tokenize`` on the same sentences.
2. Agreement with VNDS's own segmentation (a sanity figure, not a gold
   standard): word-span precision/recall/F1 of ``segment_text(compounds=())``
   against the ``_``-joined words VNDS gives, on the same text (the
   de-segmented text has the same offsets as the given one).

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora PYTHONPATH=.:benchmarks \\
        /work/venv/bin/python benchmarks/bench_realtext.py [--articles 60] [--repeats 5]

Prints ratios; the machine may be shared.
"""
from __future__ import annotations

import argparse
import re
import statistics
import time

from _realcorpora import CORPORA, shared_root  # type: ignore[import-not-found]

from civictext.ingest.reader import read_corpus
from civictext.text.segmentation import segment_text

_CHUNK = re.compile(r"\S+")


def _sentences(articles) -> list[tuple[str, str]]:
    """(text, given) per line of each article (VNDS gives a sentence a line)."""
    out = []
    for text, given in zip(articles["text"], articles["tokens_given"]):
        pos = 0
        for line in given.split("\n"):
            if line.strip():
                out.append((text[pos:pos + len(line)], line))
            pos += len(line) + 1
    return out


def _given_spans(given: str) -> set[tuple[int, int]]:
    return {m.span() for m in _CHUNK.finditer(given)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from underthesea import word_tokenize

    arts = read_corpus(shared_root() / CORPORA["vnds"], limit=args.articles)
    sents = _sentences(arts)
    texts = [t for t, _ in sents]
    n_chars = sum(len(t) for t in texts)
    print(f"{len(arts)} VNDS articles, {len(texts)} sentences, {n_chars} characters")
    segment_text(texts[0])  # load models once
    word_tokenize(texts[0])
    ours, bare = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for t in texts:
            word_tokenize(t)
        t1 = time.perf_counter()
        for t in texts:
            segment_text(t, compounds=None)
        t2 = time.perf_counter()
        bare.append(t1 - t0)
        ours.append(t2 - t1)
    ratio = statistics.median(o / b for o, b in zip(ours, bare))
    print(f"underthesea.word_tokenize: {n_chars / statistics.median(bare) / 1e3:.1f} k chars/s")
    print(f"civictext segment_text (+ compounds): {n_chars / statistics.median(ours) / 1e3:.1f} k chars/s")
    print(f"time ratio civictext / underthesea (median of {args.repeats} interleaved runs): {ratio:.2f}")

    tp = n_ours = n_given = 0
    for text, given in sents:
        mine = {(s, e) for _, s, e in segment_text(text, compounds=())}
        theirs = _given_spans(given)
        tp += len(mine & theirs)
        n_ours += len(mine)
        n_given += len(theirs)
    p, r = tp / n_ours, tp / n_given
    print(f"agreement with VNDS segmentation (word spans): precision {p:.3f}, recall {r:.3f}, "
          f"F1 {2 * p * r / (p + r):.3f} ({n_given} VNDS words)")


if __name__ == "__main__":
    main()
