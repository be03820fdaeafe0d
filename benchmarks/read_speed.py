"""Reader speed and memory: read_corpus on the real corpora, against a bare baseline.

1. The 153,825-item news feed (``articles.jsonl.gz``): ``read_corpus`` vs a bare
   ``gzip`` + ``json.loads`` loop over the same file (the least any reader must
   do), interleaved, best of ``--repeat``; prints the ratio.
2. The Dân trí folder (2,653 header-line files) and VNDS (22,644 segmented
   articles): wall time of one read.
3. Streaming: peak RSS of a fresh process reading a ~200 MB JSON Lines file
   written from the seed page's sentences, with ``limit=1000`` (shows the file
   is not loaded at once) and in full (the table itself must hold the text).

    python benchmarks/read_speed.py --repeat 2
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CIVICTEXT_SHARED_CORPORA", ROOT.parent / "shared" / "corpora"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared/corpora")


def bare(path: Path) -> int:
    n = 0
    with gzip.open(path, "rb") as fh:
        for line in fh:
            json.loads(line)
            n += 1
    return n


def timed(f, *a, **k):
    t = time.perf_counter()
    out = f(*a, **k)
    return time.perf_counter() - t, out


_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from civictext.ingest.reader import read_corpus
t = time.perf_counter()
df = read_corpus({path!r}, limit={limit})
# VmHWM: this process's own peak RSS (ru_maxrss would include the parent's, kept across exec)
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(len(df), round(time.perf_counter() - t, 1), int(hwm) // 1024)
"""


def big_jsonl(path: Path, mb: int = 200) -> None:
    from civictext.ingest.synthetic import seed_sentences

    sents = list(seed_sentences())
    target = mb * 1024 * 1024
    with open(path, "w", encoding="utf-8") as fh:
        i = 0
        while fh.tell() < target:
            text = " ".join(sents[(i + k) % len(sents)] for k in range(8))
            fh.write(json.dumps({"id": f"s{i}", "title": sents[i % len(sents)][:60], "text": text,
                                 "published": "2024-01-01"}, ensure_ascii=False) + "\n")
            i += 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--big-mb", type=int, default=200, help="size of the streaming test file")
    args = ap.parse_args(argv)
    from civictext.ingest.reader import read_corpus

    feed = SHARED / "news-feed" / "articles.jsonl.gz"
    if feed.is_file():
        ours, base = [], []
        for _ in range(args.repeat):       # interleaved: the machine is shared and noisy
            tb, n = timed(bare, feed)
            to, df = timed(read_corpus, feed)
            base.append(tb)
            ours.append(to)
        print(f"news-feed: {len(df)} documents (bare loop saw {n} lines); "
              f"read_corpus best {min(ours):.1f} s, bare gzip+json best {min(base):.1f} s, "
              f"ratio {min(ours) / min(base):.1f}x; {len(df) / min(ours):,.0f} docs/s; "
              f"skipped {len(df.attrs['skipped'])}")
        t, df = timed(read_corpus, SHARED / "dantri-unc" / "articles",
                      category_pattern=r"news_([a-z]+)_")
        print(f"dantri-unc: {len(df)} documents in {t:.1f} s; skipped {len(df.attrs['skipped'])}")
        t, df = timed(read_corpus, SHARED / "vnds-test" / "articles.seg.jsonl.gz")
        print(f"vnds-test: {len(df)} documents in {t:.1f} s; skipped {len(df.attrs['skipped'])}")
    else:
        print(f"real corpora not found at {SHARED}; skipped part 1-2")
    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "big.jsonl"
            big_jsonl(p, args.big_mb)
            size = p.stat().st_size / 2**20
            for limit in (1000, None):
                out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(p),
                                                                          limit=limit)],
                                     capture_output=True, text=True, check=True).stdout.split()
                print(f"{size:.0f} MB JSONL, limit={limit}: {out[0]} documents in {out[1]} s, "
                      f"peak RSS {out[2]} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
