"""Benchmarks of civictext.text.segmentation; prints ratios measured side by side in one run.

    python benchmarks/bench_tokenize.py            # everything (takes a while)
    python benchmarks/bench_tokenize.py --quick    # small sizes, a few minutes
    python benchmarks/bench_tokenize.py --only overhead,cache

Sections (the corpus is SYNTHETIC: ``civictext.ingest.synthetic.generate_corpus``,
reshuffled sentences of the bundled seed page, generated in memory, never saved):

overhead   our ``tokenize`` on one process vs bare ``underthesea.word_tokenize``
           on the same sentences, interleaved rounds; target ratio <= 1.10
parallel   ``n_jobs=2`` vs ``n_jobs=1`` (no cache), interleaved; target >= 1.7x,
           and the two tables must be identical
cache      cold (empty cache) vs warm run, target >= 20x; then one added article
           (how many documents were segmented again)
memory     peak RSS of tokenizing N articles (default 20,000) in a child process
compounds  underthesea ``fixed_words=`` vs our post-pass on the seed page:
           lexicon terms kept whole, tokens glued to terms, speed (run last:
           ``fixed_words`` changes underthesea's global state)

Run from the repository root with the project's Python; the machine should be
quiet (the ratios are interleaved to resist noise, the absolute times are not).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from civictext.ingest.synthetic import generate_corpus, seed_sentences  # noqa: E402

tk = importlib.import_module("civictext.text.segmentation")

#: Lexicon-like terms used when civictext.themes.lexicon is not available.
TERMS = ["cải cách hành chính", "quy tắc ứng xử", "dịch vụ công trực tuyến", "văn hóa công sở",
         "hài lòng", "chỉ số", "một cửa liên thông", "kỷ cương hành chính", "chính quyền điện tử",
         "thủ tục hành chính", "sự hài lòng", "nơi công cộng", "hành chính công", "người đứng đầu",
         "thực thi công vụ", "đạo đức nghề nghiệp", "cơ chế một cửa", "PAR INDEX"]


def _terms() -> list[str]:
    got = list(tk.default_compounds())
    return got if got else TERMS


def _sentences(articles: pd.DataFrame) -> list[str]:
    return [s for text in articles["text"] for _, s in tk._sentences(text)]


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _cpu_timed(fn):
    """(wall seconds, CPU seconds of this process, result).

    On a loaded machine the CPU time of a single-process run is far less noisy
    than its wall time; it is the number to compare for one-process sections.
    """
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def bench_overhead(n: int, rounds: int, block: int = 10) -> dict:
    """Per block of ``block`` articles, bare and ours alternate (order flips each
    time); short alternating pairs keep a loaded machine's drift out of the ratio."""
    from underthesea import word_tokenize

    arts = generate_corpus(n, random_state=1)
    terms = _terms()
    word_tokenize("khởi động")
    tk.tokenize(arts.head(2), cache=False, compounds=terms)  # load models
    blocks = [arts.iloc[k:k + block] for k in range(0, n, block)]
    sents = [_sentences(b) for b in blocks]
    wall_r, cpu_r, bare_c, ours_c = [], [], 0.0, 0.0
    flip = False
    for _ in range(rounds):
        for b, ss in zip(blocks, sents):
            wall, cpu = {}, {}
            for which in ((1, 0) if flip else (0, 1)):
                if which == 0:
                    wall[0], cpu[0], _ = _cpu_timed(lambda: [word_tokenize(s) for s in ss])
                else:
                    wall[1], cpu[1], _ = _cpu_timed(
                        lambda: tk.tokenize(b, cache=False, compounds=terms))
            flip = not flip
            wall_r.append(wall[1] / wall[0])
            cpu_r.append(cpu[1] / cpu[0])
            bare_c += cpu[0]
            ours_c += cpu[1]
    chars = sum(len(s) for ss in sents for s in ss)
    q = statistics.quantiles
    return {"articles": n, "block": block, "pairs": len(cpu_r), "chars": chars,
            "compounds": len(terms), "bare_cpu_s_total": bare_c, "ours_cpu_s_total": ours_c,
            "cpu_ratio_of_totals": ours_c / bare_c,
            "cpu_ratio_median": statistics.median(cpu_r),
            "cpu_ratio_quartiles": q(cpu_r, n=4) if len(cpu_r) > 1 else cpu_r,
            "wall_ratio_median": statistics.median(wall_r),
            "wall_ratio_quartiles": q(wall_r, n=4) if len(wall_r) > 1 else wall_r,
            "bare_chars_per_cpu_s": rounds * chars / bare_c}


def bench_parallel(n: int, rounds: int) -> dict:
    arts = generate_corpus(n, random_state=2)
    terms = _terms()
    tk.tokenize(arts.head(4), cache=False, compounds=terms, n_jobs=2)  # start warm workers
    speedups, t1s, t2s, same = [], [], [], True
    for r in range(rounds):
        order = [1, 2] if r % 2 == 0 else [2, 1]
        times, outs = {}, {}
        for j in order:
            times[j], outs[j] = _timed(lambda: tk.tokenize(arts, cache=False, compounds=terms,
                                                           n_jobs=j))
        same = same and outs[1].equals(outs[2])
        del outs
        t1s.append(times[1])
        t2s.append(times[2])
        speedups.append(times[1] / times[2])
    return {"articles": n, "serial_s": t1s, "parallel_s": t2s, "speedup": speedups,
            "speedup_median": statistics.median(speedups), "identical": same}


def bench_cache(n: int) -> dict:
    arts = generate_corpus(n, random_state=3)
    terms = _terms()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVICTEXT_CACHE"] = tmp
        cold_s, cold_c, cold = _cpu_timed(lambda: tk.tokenize(arts, compounds=terms))
        warm_s, warm_c, warm = _cpu_timed(lambda: tk.tokenize(arts, compounds=terms))
        count_s, count_c, _ = _cpu_timed(lambda: tk.count_tokens(arts, compounds=terms))
        extra = generate_corpus(1, random_state=99).assign(doc_id="added-1")
        calls = []
        real = tk._doc_tokens
        tk._doc_tokens = lambda *a: calls.append(1) or real(*a)
        try:
            add_s, added = _timed(lambda: tk.tokenize(pd.concat([arts, extra]), compounds=terms))
        finally:
            tk._doc_tokens = real
        files = sum(1 for _ in Path(tmp).rglob("*.tok"))
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.tok"))
    os.environ.pop("CIVICTEXT_CACHE", None)
    return {"articles": n, "jobs": 1, "cold_wall_s": cold_s, "warm_wall_s": warm_s,
            "cold_cpu_s": cold_c, "warm_cpu_s": warm_c,
            "speedup_wall": cold_s / warm_s, "speedup_cpu": cold_c / warm_c,
            "identical": cold.equals(warm),
            "count_tokens_cached_wall_s": count_s, "count_tokens_cached_cpu_s": count_c, "add_one_s": add_s,
            "add_one_segmented_docs": len(calls), "rows": len(added),
            "cache_files": files, "cache_mb": size / 1e6}


def bench_memory(n: int, jobs: int, repeat: int = 1) -> dict:
    cmd = [sys.executable, __file__, "--memory-child", str(n), "--jobs", str(jobs),
           "--repeat", str(repeat)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


def _memory_child(n: int, jobs: int, repeat: int) -> None:
    """Tokenize n articles twice (cold, warm); print peak RSS as JSON.

    With ``repeat=K`` the corpus is n // K distinct generated articles, each
    present K times under different doc_ids, and the cache is filled from the
    distinct ones first: the table and the parent process's memory are those of
    n articles, but only n // K are segmented (for a loaded machine).
    """
    distinct = generate_corpus(n // repeat, random_state=4)
    arts = pd.concat([distinct.assign(doc_id=distinct.doc_id + f"-r{k}") for k in range(repeat)],
                     ignore_index=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CIVICTEXT_CACHE"] = tmp
        if repeat > 1:
            tk.tokenize(distinct, compounds=_terms(), n_jobs=jobs)
        t0 = time.perf_counter()
        toks = tk.tokenize(arts, compounds=_terms(), n_jobs=jobs)
        cold = time.perf_counter() - t0
        rows = len(toks)
        del toks
        t0 = time.perf_counter()
        toks = tk.tokenize(arts, compounds=_terms(), n_jobs=jobs)
        warm = time.perf_counter() - t0
        del toks
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    except Exception:  # noqa: BLE001
        pass
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"articles": len(arts), "distinct": len(distinct), "jobs": jobs, "rows": rows, "cold_s": cold, "warm_s": warm,
                      "peak_rss_main_mb": self_mb, "peak_rss_largest_worker_mb": child_mb}))


def bench_compounds(rounds: int) -> dict:
    """fixed_words vs post-pass on the seed page's sentences."""
    from underthesea import word_tokenize

    terms = _terms()
    sents = list(seed_sentences())
    text = "\n".join(sents)
    occurrences = {t: len(re.findall(r"(?<!\w)" + re.escape(t) + r"(?!\w)", text, re.I))
                   for t in terms}
    occurrences = {t: c for t, c in occurrences.items() if c}

    forms = {t: t.lower().replace(" ", "_") for t in terms}
    all_forms = set(forms.values())

    def score(token_lists: list[list[str]]) -> dict:
        """An occurrence is kept when it is a token, or inside a token that is
        itself a (longer) lexicon term; a token holding a term is "glued" when
        it is not a lexicon term."""
        flat = [w.lower().replace(" ", "_") for ws in token_lists for w in ws]
        kept = {t: sum(1 for w in flat if w == forms[t] or (w in all_forms and forms[t] in w))
                for t in occurrences}
        glued = sorted({w for w in flat for t in occurrences
                        if forms[t] in w and w not in all_forms})
        return {"kept_whole": sum(min(kept[t], occurrences[t]) for t in occurrences),
                "occurrences": sum(occurrences.values()), "glued_tokens": glued}

    ours_lists = [[t for t, _, _ in tk.segment_text(s, compounds=terms)] for s in sents]
    ours = score(ours_lists)
    plain = score([word_tokenize(s) for s in sents])
    prepared = {"compounds": tk._clean_compounds(terms), "pos": False}
    t_ours, t_fixed = [], []
    for _ in range(rounds):
        d, _ = _timed(lambda: [tk._doc_tokens(s, prepared) for s in sents])
        t_ours.append(d)
        d, fixed_lists = _timed(lambda: [word_tokenize(s, fixed_words=terms) for s in sents])
        t_fixed.append(d)
    fixed = score(fixed_lists)
    # Speed with a lexicon-sized list: 150 three-syllable phrases taken from the
    # seed itself (timing only; they stand in for a real lexicon's terms).
    many: list[str] = []
    for sent in sents:
        sy = re.findall(r"[^\W\d_]+", sent.lower())
        many.extend(" ".join(sy[k:k + 3]) for k in range(0, len(sy) - 2, 7))
    many = sorted(set(many))[:150]
    prepared_many = {"compounds": tk._clean_compounds(many), "pos": False}
    t_ours_many, t_fixed_many = [], []
    for _ in range(rounds):
        d, _ = _timed(lambda: [tk._doc_tokens(s, prepared_many) for s in sents])
        t_ours_many.append(d)
        d, _ = _timed(lambda: [word_tokenize(s, fixed_words=many) for s in sents])
        t_fixed_many.append(d)
    # the leak: a later call WITHOUT fixed_words still uses them
    leak = word_tokenize("Đẩy mạnh cải cách hành chính.", format="text")
    return {"terms": len(terms), "terms_in_seed": len(occurrences), "no_compounds": plain,
            "post_pass": ours, "fixed_words": fixed,
            "time_fixed_over_post_pass": statistics.median(
                f / o for f, o in zip(t_fixed, t_ours)),
            "time_fixed_over_post_pass_150_terms": statistics.median(
                f / o for f, o in zip(t_fixed_many, t_ours_many)),
            "leak_after_fixed_words": leak}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    p.add_argument("--only", default="overhead,parallel,cache,memory,compounds")
    p.add_argument("--memory-n", type=int, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--repeat", type=int, default=1,
                   help="memory: segment only N/REPEAT distinct articles, each REPEAT times")
    p.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory_child is not None:
        _memory_child(args.memory_child, args.jobs, args.repeat)
        return
    q = args.quick
    sizes = {"overhead": (80, 3) if q else (400, 3), "parallel": (300, 1) if q else (2000, 2),
             "cache": 300 if q else 2000, "memory": args.memory_n or (2000 if q else 20000)}
    results = {"quick": q, "cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}
    for name in args.only.split(","):
        t0 = time.perf_counter()
        if name == "overhead":
            results[name] = bench_overhead(*sizes["overhead"])
        elif name == "parallel":
            results[name] = bench_parallel(*sizes["parallel"])
        elif name == "cache":
            results[name] = bench_cache(sizes["cache"])
        elif name == "memory":
            results[name] = bench_memory(sizes["memory"], args.jobs, args.repeat)
        elif name == "compounds":
            results[name] = bench_compounds(5)
        else:
            raise SystemExit(f"unknown section {name!r}")
        results[name]["section_s"] = time.perf_counter() - t0
        print(f"== {name}\n{json.dumps(results[name], ensure_ascii=False, indent=1)}",
              flush=True)
    results["loadavg_end"] = os.getloadavg()
    print(f"== load average start {results['loadavg_start']} end {results['loadavg_end']}")


if __name__ == "__main__":
    main()
