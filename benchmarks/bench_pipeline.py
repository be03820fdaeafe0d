"""``civictext run`` against bare underthesea, measured side by side in one run.

    .venv/bin/python benchmarks/bench_pipeline.py dantri      # Dân trí, 2,653 articles
    .venv/bin/python benchmarks/bench_pipeline.py newsfeed    # first 20,000 news-feed items
    .venv/bin/python benchmarks/bench_pipeline.py bundled     # corpus/ (no shared data needed)
    options: --old REV (compare outputs with that commit's code; default main, the
             code this branch must match byte for byte; --old '' skips), --keep DIR (keep
             outputs), --quick (skip the all-cores and warm runs: bare, run --jobs 1
             cold and the old code only)

Every timed step is a fresh process and every cold run a fresh token cache:

* **bare**: ``underthesea.word_tokenize`` over exactly the sentences the pipeline
  segments (``tokenize._sentences`` of every document's text; pre-segmented
  documents are left out, as the pipeline does not segment them), one process;
  measured twice, before and after the runs, and averaged;
* **run, 1 process, cold**: ``civictext run PATH --jobs 1 -q``;
* **run, all cores, cold**: ``civictext run PATH -q`` (default ``--jobs -1``);
* **run, warm**: the 1-process run again on its filled cache;
* **old code, cold** (``--old``): the same command with the code of commit REV
  (``git archive`` into a temporary folder), 1 process.

CPU seconds are the child's user + system time including its own children
(``RUSAGE_CHILDREN``); wall seconds by ``perf_counter``; peak memory (max RSS)
from ``/usr/bin/time -f %M`` when it exists. Printed: the ratios
(run CPU / bare CPU, run wall with all cores / bare wall, cold / warm), whether
the outputs of ``--jobs 1``, all cores and the old code are byte for byte the
same (``figures/manifest.json`` compared without its ``timings`` and
``versions``), and the token cache's size on disk against its data.
Only counts, times and file names are printed, never corpus text.
"""
from __future__ import annotations

import argparse
import filecmp
import gzip
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._realcorpora import shared_root  # noqa: E402

BARE = r"""
import json, sys, time
sents = json.load(open(sys.argv[1], encoding="utf-8"))
w0, c0 = time.perf_counter(), time.process_time()
from underthesea import word_tokenize
n = 0
for s in sents:
    n += len(word_tokenize(s))
print(json.dumps({"words": n, "cpu": time.process_time() - c0, "wall": time.perf_counter() - w0}))
"""


TIME = Path("/usr/bin/time")
PEAK: dict[str, float] = {}  # command label -> max RSS in MB (from /usr/bin/time)


def _timed(cmd: list[str], env: dict[str, str], label: str = "") -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    full = [str(TIME), "-f", "MAXRSS_KB=%M", *cmd] if TIME.exists() else cmd
    proc = subprocess.run(full, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    for line in proc.stderr.splitlines()[::-1]:
        if line.startswith("MAXRSS_KB="):
            PEAK[label] = int(line.split("=")[1]) / 1024
            break
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, proc.stdout


def _input(name: str, tmp: Path) -> Path:
    if name == "bundled":
        return ROOT / "corpus"
    if name == "dantri":
        return shared_root() / "dantri-unc" / "articles"
    if name == "newsfeed":
        src = shared_root() / "news-feed" / "articles.jsonl.gz"
        dst = tmp / "newsfeed-20k" / "items.jsonl"     # a temporary sample, deleted after
        dst.parent.mkdir()
        with gzip.open(src, "rt", encoding="utf-8") as fh, open(dst, "w", encoding="utf-8") as out:
            out.writelines(islice(fh, 20000))
        return dst.parent
    raise SystemExit(f"unknown corpus {name!r}: dantri, newsfeed or bundled")


def _sentences(path: Path, out: Path) -> tuple[int, int]:
    from civictext.ingest.reader import read_corpus
    from civictext.text.segmentation import _sentences as sentences_of

    arts = read_corpus(path)
    sents = []
    for text, seg in zip(arts["text"], arts["segmented"]):
        if not seg:
            sents.extend(s for _, s in sentences_of(text))
    out.write_text(json.dumps(sents, ensure_ascii=False), encoding="utf-8")
    return len(arts), sum(map(len, sents))


def _skops_content(path: Path) -> tuple[str, list[bytes]]:
    """A skops file's schema and arrays with the arrays' names (``id()`` of the
    objects when saved, different in every process) replaced by their order."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        schema = z.read("schema.json").decode("utf-8")
        names = list(dict.fromkeys(re.findall(r"\d{9,}", schema)))
        arrays = [z.read(f"{n}.npy") if f"{n}.npy" in z.namelist() else b"" for n in names]
    for k, n in enumerate(names):
        schema = schema.replace(n, f"ARRAY{k}")
    return schema, arrays


def _same_outputs(a: Path, b: Path) -> list[str]:
    """Files that differ between two output folders (manifest without timings/versions).

    ``.civictext.lock`` (the running process's id) is skipped; ``.skops`` files are
    compared by content (:func:`_skops_content`) and the ``sha256`` of such a file
    in ``model.json`` is then ignored: skops names arrays by object id, so two
    processes never write the same bytes for the same model.
    """
    diffs = []
    files_a = sorted(p.relative_to(a) for p in a.rglob("*")
                     if p.is_file() and p.name != ".civictext.lock")
    files_b = sorted(p.relative_to(b) for p in b.rglob("*")
                     if p.is_file() and p.name != ".civictext.lock")
    if files_a != files_b:
        diffs.append(f"file lists differ: {sorted(set(map(str, files_a)) ^ set(map(str, files_b)))}")
    for rel in set(files_a) & set(files_b):
        if rel.name == "manifest.json":
            ja, jb = (json.loads((x / rel).read_text(encoding="utf-8")) for x in (a, b))
            for j in (ja, jb):
                j.pop("timings", None)
                j.pop("versions", None)
            if ja != jb:
                diffs.append(str(rel))
        elif rel.suffix == ".skops":
            if _skops_content(a / rel) != _skops_content(b / rel):
                diffs.append(str(rel))
        elif rel.name == "model.json" and (a / rel.with_name("model.skops")).exists():
            ja, jb = (json.loads((x / rel).read_text(encoding="utf-8")) for x in (a, b))
            same_skops = (_skops_content(a / rel.with_name("model.skops"))
                          == _skops_content(b / rel.with_name("model.skops")))
            if same_skops:
                _drop_sha(ja)
                _drop_sha(jb)
            if ja != jb:
                diffs.append(str(rel))
        elif not filecmp.cmp(a / rel, b / rel, shallow=False):
            diffs.append(str(rel))
    return sorted(diffs)


def _drop_sha(obj: object) -> None:
    """Remove every ``sha256`` key from a JSON object, in place."""
    if isinstance(obj, dict):
        obj.pop("sha256", None)
        for v in obj.values():
            _drop_sha(v)
    elif isinstance(obj, list):
        for v in obj:
            _drop_sha(v)


def _cache_size(cache: Path) -> tuple[int, int, int]:
    db = cache / "tokens.sqlite3"
    if not db.exists():
        return 0, 0, 0
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        n, data = con.execute("SELECT count(*), coalesce(sum(length(data)), 0) FROM tokens_v1"
                              ).fetchone()
    disk = sum(p.stat().st_size for p in cache.glob("tokens.sqlite3*"))
    return n, data, disk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", choices=["dantri", "newsfeed", "bundled"])
    ap.add_argument("--old", default="main", help="commit to compare outputs with ('' skips)")
    ap.add_argument("--quick", action="store_true", help="skip the all-cores and warm runs")
    ap.add_argument("--keep", default=None, help="keep the outputs in this folder")
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="civictext-bench-") as tmpd:
        tmp = Path(args.keep) if args.keep else Path(tmpd)
        tmp.mkdir(parents=True, exist_ok=True)
        path = _input(args.corpus, tmp)
        n_docs, n_chars = _sentences(path, tmp / "sentences.json")
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def run(out: str, cache: str, *extra: str, code: Path = ROOT) -> tuple[float, float]:
            e = dict(env, CIVICTEXT_CACHE=str(tmp / cache), PYTHONPATH=str(code))
            cpu, wall, _ = _timed([py, "-m", "civictext", "run", str(path), "--out",
                                   str(tmp / out), "-q", *extra], e, out)
            peak = f"   peak {PEAK[out]:7.0f} MB" if out in PEAK else ""
            print(f"  {out:<12} CPU {cpu:8.1f} s   wall {wall:8.1f} s{peak}", flush=True)
            return cpu, wall

        print(f"{args.corpus}: {n_docs} documents, {n_chars / 1e6:.2f} M characters to segment;"
              f" load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores", flush=True)
        bare = []
        for k in range(2):
            if k == 1:
                runs = {"jobs1": run("run-jobs1", "cache1", "--jobs", "1")}
                if not args.quick:
                    runs["jobsall"] = run("run-jobsall", "cache2")
                    runs["warm"] = run("run-warm", "cache1", "--jobs", "1")
                if args.old:
                    old = tmp / "old-code"
                    old.mkdir(exist_ok=True)
                    subprocess.run(f"git -C {ROOT} archive {args.old} civictext | tar -x -C {old}",
                                   shell=True, check=True)
                    runs["old"] = run("run-old", "cache3", code=old)
            cpu, wall, out = _timed([py, "-c", BARE, str(tmp / "sentences.json")], env)
            rep = json.loads(out)
            bare.append((rep["cpu"], rep["wall"]))
            print(f"  bare         CPU {rep['cpu']:8.1f} s   wall {rep['wall']:8.1f} s   "
                  f"(process CPU {cpu:.1f} s; {rep['words']} words)", flush=True)
        b_cpu = sum(c for c, _ in bare) / len(bare)
        b_wall = sum(w for _, w in bare) / len(bare)
        n, data, disk = _cache_size(tmp / "cache1")
        print(f"  load after: {os.getloadavg()[0]:.2f}")
        print(f"  run 1 process cold / bare, CPU:        {runs['jobs1'][0] / b_cpu:5.2f}x")
        if "jobsall" in runs:
            print(f"  run all cores cold / bare 1 process, wall: "
                  f"{runs['jobsall'][1] / b_wall:5.2f}x")
            print(f"  run cold / warm (1 process), wall:     "
                  f"{runs['jobs1'][1] / runs['warm'][1]:5.1f}x")
        if "old" in runs:
            print(f"  old code / new code (1 process), CPU:  {runs['old'][0] / runs['jobs1'][0]:5.2f}x")
        print(f"  token cache: {n} entries, {data / 1e6:.1f} MB of entries, {disk / 1e6:.1f} MB "
              f"on disk ({disk / max(data, 1):.2f}x)")
        if "jobsall" in runs:
            d = _same_outputs(tmp / "run-jobs1", tmp / "run-jobsall")
            print(f"  --jobs 1 vs all cores: {'identical' if not d else 'DIFFER: ' + ', '.join(d)}")
            d = _same_outputs(tmp / "run-jobs1", tmp / "run-warm")
            print(f"  cold vs warm:          {'identical' if not d else 'DIFFER: ' + ', '.join(d)}")
        man = tmp / "run-jobs1" / "figures" / "manifest.json"
        if man.exists():
            stages = json.loads(man.read_text(encoding="utf-8")).get("timings", {}).get("stages", [])
            print("  stages of run --jobs 1 (CPU s): " + "; ".join(
                f"{'  ' * r['depth']}{r['stage']} {r['cpu_s']:.1f}" for r in stages))
        if "old" in runs:
            d = _same_outputs(tmp / "run-old", tmp / "run-jobs1")
            print(f"  old code vs new:       {'identical' if not d else 'DIFFER: ' + ', '.join(d)}")


if __name__ == "__main__":
    main()
