"""Fuzz ``civictext.read_corpus`` with random and mutated inputs for a few minutes.

Every input is written to a temporary file with a random corpus suffix and read
twice: lenient (must never raise) and ``strict=True`` (may raise only
``CivictextError`` subclasses). Any other exception is a bug: the input is
saved under ``--crashes`` and counted.

Inputs: (a) random bytes; (b) mutations of seed inputs -- the bundled page, a
JSONL/CSV/JSON/HTML/header-line file written here, and the page re-encoded as
UTF-16, windows-1258 and NFD -- by bit flips, byte insertions/deletions,
truncation, chunk duplication, NUL and BOM insertion, and line shuffles.

    python benchmarks/fuzz_reader.py --seconds 180 --random-state 0
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import random
import sys
import tempfile
import time
import traceback
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civictext.config import DEFAULT_RANDOM_STATE  # noqa: E402
from civictext.errors import CivictextError  # noqa: E402
from civictext.ingest.reader import read_corpus  # noqa: E402

SUFFIXES = [".txt", ".html", ".jsonl", ".json", ".csv", ".tsv", ".jsonl.gz", ".txt.gz"]


def seeds() -> list[tuple[str, bytes]]:
    page = (ROOT / "corpus" / "ldtd-van-hoa-cong-so.txt").read_text(encoding="utf-8")
    recs = [{"id": f"r{i}", "title": f"Tiêu đề số {i}", "text": "Cải cách hành chính ở phường.",
             "published": "2024-11-25"} for i in range(5)]
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()
    csv = ("id,title,text,published\n" + "".join(
        f'{r["id"]},{r["title"]},"{r["text"]}",{r["published"]}\n' for r in recs)).encode()
    html = ("<html><head><meta charset='utf-8'><meta property='og:title' content='Tiêu đề'>"
            "<meta property='article:published_time' content='2024-01-02T03:04'></head><body>"
            "<article><h1>Tiêu đề</h1><p class='sapo'>(BM) Tóm tắt bài.</p><p>Đoạn một.</p>"
            "<figure><figcaption>Ảnh</figcaption></figure></article></body></html>").encode()
    header = "# doc_id = a\n# date = 20201001\nTiêu đề\nCâu một.\nCâu hai.\n".encode()
    return [
        (".txt", page.encode()),
        (".txt", page.encode("utf-16")),
        (".txt", unicodedata.normalize("NFD", page).encode()),
        (".txt", page[:3000].encode("cp1258", "replace")),
        (".jsonl", jsonl), (".jsonl.gz", gzip.compress(jsonl, mtime=0)),
        (".csv", csv), (".json", json.dumps(recs, ensure_ascii=False).encode()),
        (".html", html), (".txt", header),
    ]


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(8)
        if not b:
            b += rng.randbytes(rng.randint(1, 64))
            continue
        i = rng.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = rng.randbytes(rng.randint(1, 16))
        elif op == 2:
            del b[i:i + rng.randint(1, 64)]
        elif op == 3:
            del b[i:]
        elif op == 4:
            j = min(len(b), i + rng.randint(1, 2000))
            b[j:j] = b[i:j] * rng.randint(1, 5)
        elif op == 5:
            b[i:i] = rng.choice([b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\r", b"\n\n\n", b"\"", b"{"])
        elif op == 6:
            lines = bytes(b).split(b"\n")
            rng.shuffle(lines)
            b = bytearray(b"\n".join(lines))
        else:
            b[i:i] = rng.choice([b"Xem th\xc3\xaam\n", b"(PLO) ", b"abc def ghi 12345 ",
                                 b"# date = 2019\n", "Thứ Hai, 25/11/2024 09:15\n".encode()])
    return bytes(b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--random-state", type=int, default=DEFAULT_RANDOM_STATE)
    ap.add_argument("--crashes", default=None, help="folder for crashing inputs (default: a temp dir)")
    args = ap.parse_args(argv)
    rng = random.Random(args.random_state)
    base = seeds()
    crashes = Path(args.crashes or tempfile.mkdtemp(prefix="civictext-fuzz-crashes-"))
    counts: collections.Counter = collections.Counter()
    bugs: list[str] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="civictext-fuzz-") as tmp:
        n = 0
        while time.perf_counter() - t0 < args.seconds:
            n += 1
            if rng.random() < 0.25:
                data, suffix = rng.randbytes(rng.randint(0, 4000)), rng.choice(SUFFIXES)
                counts["random"] += 1
            else:
                suffix, seed = rng.choice(base)
                data = mutate(seed, rng)
                if rng.random() < 0.1:
                    suffix = rng.choice(SUFFIXES)
                counts["mutated"] += 1
            p = Path(tmp) / f"in{n}{suffix}"
            p.write_bytes(data)
            for strict in (False, True):
                try:
                    df = read_corpus(p, strict=strict)
                    counts["strict ok" if strict else "lenient ok"] += 1
                    counts["documents"] += len(df) if not strict else 0
                    counts["skipped items"] += len(df.attrs["skipped"]) if not strict else 0
                except CivictextError:
                    counts["strict CorpusError" if strict else "LENIENT RAISED"] += 1
                    if not strict:
                        bugs.append(f"lenient raised on {p.name}")
                except Exception:  # noqa: BLE001 - that is what we hunt
                    counts["BUG " + ("strict" if strict else "lenient")] += 1
                    keep = crashes / p.name
                    keep.parent.mkdir(parents=True, exist_ok=True)
                    keep.write_bytes(data)
                    bugs.append(f"{keep}: {traceback.format_exc(limit=3)}")
            p.unlink()
    elapsed = time.perf_counter() - t0
    print(f"fuzz_reader: {n} inputs in {elapsed:.0f} s ({n / elapsed:.1f}/s), "
          f"random_state={args.random_state}")
    for k, v in sorted(counts.items()):
        print(f"  {k}: {v}")
    print(f"  bugs (non-civictext exceptions, or lenient raising): {len(bugs)}")
    for b in bugs[:10]:
        print("   ", b)
    return 1 if bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())
