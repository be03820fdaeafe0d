"""Throughput of the local engine vs the Dask engine, and a cluster-size estimate.

Writes a generated corpus (``civictext.ingest.synthetic.generate_corpus``, SYNTHETIC
articles) as JSONL files into a temporary folder (deleted afterwards, never in
the repository), then runs, interleaved on the same files:

* ``local``: the stages in this one process (what ``civictext themes`` does);
* ``dask``: :func:`civictext.engines.dask.run_dask` on a ``LocalCluster`` of
  ``--workers`` single-threaded worker processes (startup timed separately).

It also measures the per-core segmentation rate (underthesea ``word_tokenize``
per paragraph, one core) and turns it into workers needed for 1M and 10M
articles in 8 h and 24 h.

``--stages real`` uses civictext's own stages (read_corpus, count_tokens,
score_themes, theme_evidence, theme_trends); ``--stages segment`` uses a
minimal stand-in whose only heavy step is the same underthesea segmentation
(for before the stage modules exist); ``auto`` (default) picks ``real`` when
the modules import.

    python benchmarks/bench_dask.py                 # 20,000 articles
    python benchmarks/bench_dask.py --quick         # 2,000 articles, one round

Prints RATIOS measured side by side; the machine may be shared and noisy.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from civictext.engines import dask as cd  # noqa: E402
from civictext.ingest.synthetic import generate_corpus  # noqa: E402

_TERMS = {"reform": ("cải cách hành chính", "một cửa", "dịch vụ công trực tuyến"),
          "conduct": ("văn hóa công sở", "quy tắc ứng xử", "đạo đức công vụ"),
          "satisfaction": ("hài lòng", "sipas", "papi")}


# ------------------------------------------------ "segment" stand-in stages
def _seg_read(root: Path, files, strict: bool) -> pd.DataFrame:
    rows = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                rows.append({"doc_id": r["id"], "title": r["title"], "text": r["text"],
                             "published": r["published"], "source": r["source"],
                             "path": Path(f).relative_to(root).as_posix()})
    return pd.DataFrame(rows)


def _seg_count(articles: pd.DataFrame) -> pd.Series:
    from underthesea import word_tokenize

    counts = [sum(len(word_tokenize(p)) for p in text.split("\n\n") if p.strip())
              for text in articles["text"]]
    return pd.Series(counts, index=articles["doc_id"].to_numpy())


def _seg_score(articles: pd.DataFrame, lexicon, n_tokens: pd.Series) -> pd.DataFrame:
    rows = []
    for doc_id, text in zip(articles["doc_id"], articles["text"].str.lower()):
        n = int(n_tokens[doc_id])
        for theme, terms in _TERMS.items():
            hits = sum(text.count(t) for t in terms)
            rows.append((doc_id, theme, hits, n, 1000 * hits / n if n else 0.0, hits > 0))
    return pd.DataFrame(rows, columns=["doc_id", "theme", "hits", "n_tokens", "per_1k", "present"])


def _seg_evidence(articles: pd.DataFrame, lexicon) -> pd.DataFrame:
    rows = [(d, th, t, m.start(), m.end())
            for d, text in zip(articles["doc_id"], articles["text"].str.lower())
            for th, terms in _TERMS.items() for t in terms for m in re.finditer(re.escape(t), text)]
    return pd.DataFrame(rows, columns=["doc_id", "theme", "term", "start", "end"])


def _seg_trends(scores, articles, *, freq, by, random_state) -> pd.DataFrame:
    df = scores.merge(articles[["doc_id", "published"]], on="doc_id")
    df["period"] = df["published"].str[:7]
    return (df.groupby(["period", "theme"], sort=True)
              .agg(n_articles=("doc_id", "size"), share=("present", "mean"),
                   mean_per_1k=("per_1k", "mean")).reset_index())


SEGMENT = cd.Stages(read=_seg_read, count_tokens=_seg_count, score_themes=_seg_score,
                    theme_evidence=_seg_evidence, theme_trends=_seg_trends,
                    load_lexicon=lambda lexicon: None)


def _real_available() -> bool:
    return all(importlib.util.find_spec(f"civictext.{m}") for m in
               ("ingest.reader", "text.segmentation", "themes.scoring", "trends.shares",
                "themes.lexicon"))


# -------------------------------------------------------------- the engines
def _cpu_seconds() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _run_local(folder: Path, stages: cd.Stages, real: bool) -> dict:
    c0 = _cpu_seconds()
    t0 = time.perf_counter()
    if real:
        from civictext.ingest.reader import read_corpus
        from civictext.text.segmentation import count_tokens
        from civictext.themes.scoring import score_themes
        from civictext.trends.shares import theme_trends

        articles = read_corpus(folder, progress=False)
        n_tokens = count_tokens(articles, n_jobs=1, cache=False)
        scores = score_themes(articles, n_tokens=n_tokens)
        from civictext.themes.scoring import theme_evidence

        theme_evidence(articles)
        theme_trends(scores, articles, freq="M")
    else:
        files = stages.list_files(folder)
        articles = stages.read(folder, files, False)
        n_tokens = stages.count_tokens(articles)
        scores = stages.score_themes(articles, None, n_tokens)
        stages.theme_evidence(articles, None)
        stages.theme_trends(scores, articles, freq="M", by=None, random_state=0)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": _cpu_seconds() - c0,
            "n_articles": len(articles), "n_tokens": int(n_tokens.sum())}


def _run_dask(folder: Path, out: Path, client, stages: cd.Stages, partition_size: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    c0 = sum(client.run(_cpu_seconds).values()) + _cpu_seconds()
    t0 = time.perf_counter()
    s = cd.run_dask(folder, out, scheduler=client, stages=stages, partition_size=partition_size,
                    resume=False)
    assert s["failed"] == 0, s["failures"]
    cpu = sum(client.run(_cpu_seconds).values()) + _cpu_seconds() - c0
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": cpu, "n_articles": s["n_articles"],
            "n_tokens": s["n_tokens"], "n_partitions": s["n_partitions"]}


# --------------------------------------------------------------- measuring
def _write_corpus(folder: Path, n: int, n_files: int) -> dict:
    df = generate_corpus(n, random_state=0)
    folder.mkdir(parents=True)
    for k in range(n_files):
        part = df.iloc[k::n_files]
        with open(folder / f"synthetic-{k:03d}.jsonl", "w", encoding="utf-8") as fh:
            for r in part.itertuples():
                fh.write(json.dumps({"id": r.doc_id, "title": r.title, "text": r.text,
                                     "published": r.published, "source": r.source},
                                    ensure_ascii=False) + "\n")
    return {"n_articles": n, "n_chars": int(df["text"].str.len().sum()),
            "n_syllables": int(df["text"].str.split().str.len().sum()),
            "bytes": sum(f.stat().st_size for f in folder.iterdir())}


def _segmentation_rate(n_paragraphs: int = 400) -> dict:
    """Words, syllables and characters per second of word_tokenize on one core."""
    from underthesea import word_tokenize

    paras = [p for t in generate_corpus(200, random_state=1)["text"] for p in t.split("\n\n")]
    paras = (paras * (1 + n_paragraphs // len(paras)))[:n_paragraphs]
    word_tokenize(paras[0])  # model load
    t0 = time.perf_counter()
    words = sum(len(word_tokenize(p)) for p in paras)
    dt = time.perf_counter() - t0
    return {"words_per_s": words / dt, "syllables_per_s": sum(len(p.split()) for p in paras) / dt,
            "chars_per_s": sum(len(p) for p in paras) / dt}


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _real_article_length() -> dict | None:
    """Mean syllables per full article in ../shared/corpora (measurement only)."""
    root = Path(__file__).resolve().parents[2] / "shared" / "corpora"
    if not root.is_dir():
        root = Path("/work/shared/corpora")
    out = {}
    dantri = sorted((root / "dantri-unc" / "articles").rglob("*.txt"))
    if dantri:
        n = [sum(len(line.split()) for line in f.read_text(encoding="utf-8").splitlines()
                 if not line.startswith("#")) for f in dantri]
        out["dantri-unc"] = sum(n) / len(n)
    vnds = root / "vnds-test" / "articles.seg.jsonl.gz"
    if vnds.is_file():
        import gzip

        n = []
        with gzip.open(vnds, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= 5000:
                    break
                n.append(len(json.loads(line)["text_segmented"].replace("_", " ").split()))
        out["vnds-test"] = sum(n) / len(n)
    return out or None


def _estimate(rate_per_worker: float, syllables_per_article: float) -> list[dict]:
    rows = []
    for n in (1_000_000, 10_000_000):
        core_hours = n * syllables_per_article / rate_per_worker / 3600
        for hours in (8, 24):
            rows.append({"articles": n, "target_hours": hours, "core_hours": round(core_hours, 1),
                         "workers_needed": math.ceil(core_hours / hours / 0.85)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="articles (default 20,000)")
    ap.add_argument("--quick", action="store_true", help="2,000 articles, one round")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--files", type=int, default=40, help="JSONL files the corpus is split into")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved local/dask rounds")
    ap.add_argument("--stages", choices=["auto", "real", "segment"], default="auto")
    ap.add_argument("--partition-mb", type=float, default=None,
                    help="default: corpus size / (4 x workers), so every worker gets several")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.rounds = min(args.n, 2000), 1
    real = args.stages == "real" or (args.stages == "auto" and _real_available())
    stages = cd.Stages() if real else SEGMENT
    distributed = cd._require_dask()

    tmp = Path(tempfile.mkdtemp(prefix="civictext-bench-dask-"))
    try:
        corpus = _write_corpus(tmp / "corpus", args.n, args.files)
        part = (int(args.partition_mb * 2**20) if args.partition_mb
                else max(1, corpus["bytes"] // (4 * args.workers)))
        print(f"corpus: {corpus} in {args.files} files; stages={'real' if real else 'segment'}; "
              f"partition_size={part} bytes; load average {os.getloadavg()}", flush=True)
        seg = _segmentation_rate()
        print(f"segmentation, 1 core: {seg['words_per_s']:.0f} words/s, "
              f"{seg['syllables_per_s']:.0f} syllables/s, {seg['chars_per_s']:.0f} chars/s",
              flush=True)
        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        client = distributed.Client(cluster)
        startup = time.perf_counter() - t0
        print(f"LocalCluster({args.workers} workers) startup: {startup:.1f} s", flush=True)
        results = []
        try:
            for r in range(args.rounds):
                for engine in (("local", "dask") if r % 2 == 0 else ("dask", "local")):
                    res = (_run_local(tmp / "corpus", stages, real) if engine == "local" else
                           _run_dask(tmp / "corpus", tmp / "out", client, stages, part))
                    res.update(engine=engine, round=r,
                               articles_per_s=res["n_articles"] / res["seconds"],
                               syllables_per_s=corpus["n_syllables"] / res["seconds"])
                    results.append(res)
                    print(f"round {r} {engine:5s}: {res['seconds']:.1f} s wall, "
                          f"{res['cpu_seconds']:.1f} s CPU (all processes), "
                          f"{res['articles_per_s']:.1f} articles/s, "
                          f"{res['syllables_per_s']:.0f} syllables/s; "
                          f"load average {os.getloadavg()[0]:.1f}", flush=True)
            rss = client.run(_peak_rss_mb)
            print(f"peak RSS per worker (MB, partition_size={part / 2**20:.1f} MB): "
                  f"{sorted(round(v) for v in rss.values())}", flush=True)
        finally:
            client.close()
            cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    df = pd.DataFrame(results)
    by = df.groupby("engine")["seconds"].median()
    ratio = by["local"] / by["dask"]
    dask_rate = corpus["n_syllables"] / by["dask"] / args.workers
    cpu = df.groupby("engine")["cpu_seconds"].median()
    cpu_rate = corpus["n_syllables"] / cpu["dask"]
    print(f"CPU seconds dask/local: {cpu['dask'] / cpu['local']:.2f} (engine overhead; "
          f"robust to a loaded machine); per-core rate from CPU time: "
          f"local {corpus['n_syllables'] / cpu['local']:.0f}, dask {cpu_rate:.0f} syllables/s")
    print(f"\nspeed-up dask/local (median seconds, same files, interleaved): {ratio:.2f}x "
          f"with {args.workers} workers")
    print(f"dask throughput per worker: {dask_rate:.0f} syllables/s "
          f"({corpus['n_articles'] / by['dask'] / args.workers:.1f} articles/s)")
    lengths = _real_article_length()
    syn_len = corpus["n_syllables"] / corpus["n_articles"]
    print(f"syllables per article: synthetic {syn_len:.0f}; real corpora {lengths}")
    length = max([syn_len, *(lengths or {}).values()])
    for label, rate in (("wall-clock rate per worker (this machine, now)", dask_rate),
                        ("CPU-time rate per core (a dedicated core)", cpu_rate)):
        print(f"\nscaling estimate from the {label}: {rate:.0f} syllables/s, {length:.0f} "
              f"syllables per article, 85% cluster efficiency:")
        print(pd.DataFrame(_estimate(rate, length)).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
