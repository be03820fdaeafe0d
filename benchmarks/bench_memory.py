"""Peak memory of ``civictext run``: per stage, and against corpus size.

    python benchmarks/bench_memory.py stages CORPUS OUT [--no-trim] [run options]
    python benchmarks/bench_memory.py scale [--sizes 150000 1000000] [--keep DIR]

``stages`` runs ``civictext run CORPUS --out OUT -q`` in this process with a
thread sampling the resident set (``/proc/self/statm``) every 20 ms, and
prints, per stage of the run (the ``_progress.stage`` blocks the manifest's
``timings`` has), the highest RSS seen while the stage ran and the RSS when
it ended (what the stage left behind), then the process's ``VmHWM``.
``--no-trim``: without ``_progress.release_memory`` (glibc ``malloc_trim``) at the
end of each top-level stage.

``scale`` generates N short news-feed-like items (seeded: a title of 6-12 and a
summary of 15-39 words drawn by frequency from the bundled seed page's
sentences, one item in four with a whole seed sentence added, a SYNTHETIC
source, a date in 2024-2025) as 20 gzipped JSON Lines files, runs
``python -m civictext run`` on them in a fresh subprocess per size and reports
wall time, CPU time and peak RSS (``ru_maxrss`` of the child). Options after
``--`` go to ``civictext run`` (e.g. ``-- --presence focus``). ``--segmented``
writes the items word-segmented (a pre-segmented corpus: no segmenter runs),
so large sizes measure reading, scoring, near-duplicates, topics, trends and
writing in minutes; with ``--presence focus`` the theme model (which segments
headlines) is not used either.
The generated text is the seed page's (the bundled corpus), never the shared
corpora's.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm", "rb") as fh:
        return int(fh.read().split()[1]) * PAGE


def _hwm() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def stages(argv: list[str]) -> int:
    """Run ``civictext run`` in-process and print the RSS per stage."""
    from contextlib import contextmanager

    from civictext import _progress, cli

    open_stages: list[dict] = []
    rows: list[dict] = []
    stop = threading.Event()
    base = {"peak": 0}

    def sample() -> None:
        while not stop.is_set():
            r = _rss()
            base["peak"] = max(base["peak"], r)
            for s in list(open_stages):
                s["peak"] = max(s["peak"], r)
            time.sleep(0.02)

    if "--no-trim" in argv:  # measure without returning freed memory at stage ends
        argv = [a for a in argv if a != "--no-trim"]
        _progress.TRIM = False
    original = _progress.stage

    @contextmanager
    def stage(name: str):  # type: ignore[no-untyped-def]
        depth = len(open_stages)
        row = {"stage": name, "depth": depth, "start": _rss(), "peak": _rss()}
        rows.append(row)
        open_stages.append(row)
        try:
            with original(name):
                yield
        finally:
            open_stages.remove(row)
            row["end"] = _rss()
            row["peak"] = max(row["peak"], row["end"])

    _progress.stage = stage  # every module calls it as _progress.stage(...)
    t = threading.Thread(target=sample, daemon=True)
    before = _rss()
    t.start()
    w0, c0 = time.perf_counter(), time.process_time()
    try:
        code = cli.main(["run", *argv])
    finally:
        stop.set()
        t.join()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    mb = 2**20
    print(f"RSS before the run (interpreter + civictext imports): {before / mb:.0f} MB")
    print(f"{'stage':<32} {'start MB':>9} {'peak MB':>9} {'end MB':>9}")
    for r in rows:
        name = "  " * r["depth"] + r["stage"]
        print(f"{name:<32} {r['start'] / mb:>9.0f} {r['peak'] / mb:>9.0f} {r['end'] / mb:>9.0f}")
    print(f"VmHWM {_hwm() / mb:.0f} MB; sampled peak {base['peak'] / mb:.0f} MB; "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s; exit {code}")
    return int(code or 0)


# ------------------------------------------------------------------ scale
def generate(folder: Path, n: int, *, random_state: int = 0, n_files: int = 20,
             segmented: bool = False) -> int:
    """Write ``n`` short seeded items as ``n_files`` gzipped JSONL files; return bytes.

    ``segmented``: word-segmented items (``text_segmented``: title, blank line,
    summary, words joined with ``_`` by underthesea), read as a pre-segmented
    corpus, so the run measures everything but the segmenter.
    """
    import numpy as np

    from civictext.ingest.synthetic import seed_sentences

    sents = list(seed_sentences())
    if segmented:  # the pool segmented once; items then need no segmenter
        from underthesea import word_tokenize

        sents = [word_tokenize(x, format="text") for x in sents]
    # words drawn by their frequency in the pool (so no two items are near-duplicates),
    # one item in four with a whole pool sentence (so some items hit the lexicons)
    words = [w for x in sents for w in x.split() if any(ch.isalnum() for ch in w)]
    rng = np.random.default_rng(random_state)
    folder.mkdir(parents=True, exist_ok=True)
    day0 = np.datetime64("2024-01-01")
    sources = ["SYNTHETIC-A", "SYNTHETIC-B", "SYNTHETIC-C"]
    per = -(-n // n_files)
    total = 0
    for f in range(n_files):
        lo, hi = f * per, min(n, (f + 1) * per)
        if lo >= hi:
            break
        k = hi - lo
        n_title = rng.integers(6, 13, k)
        n_summary = rng.integers(15, 40, k)
        pick = rng.integers(0, len(words), (k, 12 + 40))
        with_sent = rng.random(k) < 0.25
        sent_idx = rng.integers(0, len(sents), k)
        days = rng.integers(0, 730, k)
        src = rng.integers(0, len(sources), k)
        with gzip.open(folder / f"part-{f:02d}.jsonl.gz", "wt", encoding="utf-8") as fh:
            for j in range(k):
                i = lo + j
                w = [words[x] for x in pick[j]]
                title = " ".join(w[:n_title[j]]).capitalize()
                summary = " ".join(w[12:12 + n_summary[j]]).capitalize() + " ."
                if with_sent[j]:
                    summary += " " + sents[sent_idx[j]]
                if not segmented:
                    title, summary = title.replace("_", " "), summary.replace("_", " ")
                rec = {"id": f"gen-{i:07d}", "source": sources[src[j]],
                       "published": str(day0 + np.timedelta64(int(days[j]), "D"))}
                if segmented:
                    rec["text_segmented"] = f"{title}\n\n{summary}"
                else:
                    rec.update(title=title, summary=summary)
                line = json.dumps(rec, ensure_ascii=False) + "\n"
                total += len(line.encode("utf-8"))
                fh.write(line)
    return total


def scale(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench_memory.py scale")
    ap.add_argument("--sizes", type=int, nargs="+", default=[150_000, 1_000_000])
    ap.add_argument("--keep", type=Path, help="generate the corpora here (default: a temp dir)")
    ap.add_argument("--random-state", type=int, default=0)
    ap.add_argument("--segmented", action="store_true",
                    help="pre-segmented items (no segmenter: reading, scoring, dedup, "
                         "topics, trends and writing only)")
    ap.add_argument("run_args", nargs="*", help="options for civictext run (after --)")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="civictext-mem-"))
    print(f"load: {os.getloadavg()}; corpora under {root}")
    # MB: the items' JSON Lines, uncompressed
    print(f"{'items':>9} {'MB':>7} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} exit")
    for n in args.sizes:
        folder = root / f"gen-{n}{'-seg' if args.segmented else ''}"
        if not folder.exists():
            size = generate(folder, n, random_state=args.random_state,
                            segmented=args.segmented)
        else:
            size = sum(len(gzip.open(p).read()) for p in folder.glob("*.jsonl.gz"))
        out = root / f"out-{n}"
        cmd = [sys.executable, "-m", "civictext", "run", str(folder), "--out", str(out), "-q",
               *args.run_args]
        w0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        # one child per size: ru_maxrss of RUSAGE_CHILDREN is the largest child so far,
        # so run each size through a fresh wrapper that reports its own child
        wrapper = ("import resource,subprocess,sys,json;"
                   "p=subprocess.run(sys.argv[1:]);"
                   "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
                   "print(json.dumps([p.returncode,r.ru_maxrss,r.ru_utime+r.ru_stime]),"
                   "file=sys.stderr)")
        proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True,
                              text=True)
        wall = time.perf_counter() - w0
        del before
        try:
            code, maxrss_kb, cpu = json.loads(proc.stderr.strip().splitlines()[-1])
        except (ValueError, IndexError):
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        print(f"{n:>9} {size / 2**20:>7.1f} {wall:>8.1f} {cpu:>8.1f} {maxrss_kb / 1024:>12.0f} "
              f"{code}", flush=True)
        if code:
            print(proc.stderr[-2000:], file=sys.stderr)
    print(f"load: {os.getloadavg()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"stages", "scale"}:
        print(__doc__, file=sys.stderr)
        return 2
    return stages(argv[1:]) if argv[0] == "stages" else scale(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
