"""Bytes the driver receives for near-duplicate detection, before and after signatures.

    python benchmarks/sample_shared.py /tmp/samples --n 3000 --files 6 --only newsfeed
    python benchmarks/bench_dedup_gather.py /tmp/samples/newsfeed [...] [--partition-mb 0.25]

For each corpus folder, the reader plan is cut into partitions as the Dask
engine cuts it (``--partition-mb``) and every partition is read as a worker
reads it. Printed per corpus:

* **before** (0.3 up to this change): the driver ran ``near_duplicates`` on the
  gathered articles, so it needed every document's ``text``: the pickled
  ``text`` column of every partition (protocol 5, as Dask serialises it) and
  the raw UTF-8 bytes;
* **after**: what each worker sends for dedup now: its pickled
  :class:`civictext.ingest.dedup.Signatures` (LSH band keys, row numbers, text
  lengths), plus the pickled lists of floats the pair-checking tasks return
  (one per candidate pair, then one per member whose representative was not a
  checked candidate); the pairs the driver sends to the workers are counted too;
* the check that the clusters from the partitions' signatures are the
  ``near_duplicates`` table of the whole corpus (``identical``), and the
  near-duplicates found.

No scoring or segmentation runs: only the reader and the dedup code.
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civictext.ingest.reader import articles_frame, plan_corpus, read_files, unique_rows  # noqa: E402
from civictext.ingest.dedup import (  # noqa: E402
    DedupSpec,
    cluster,
    local_jaccard,
    near_duplicates,
    report_frame,
    signatures,
)


def _pickled(obj: object) -> int:
    return len(pickle.dumps(obj, protocol=5))


def measure(folder: Path, partition_mb: float) -> dict:
    plan = plan_corpus(folder)
    groups = plan.partitions(max(1, int(partition_mb * 2**20)))
    spec = DedupSpec()  # the run's: keep="first", threshold 0.8, 128 permutations, seed
    texts, blocks, before, raw, sig_bytes = [], [], 0, 0, 0
    t_sig = 0.0
    for files in groups:
        arts = articles_frame(unique_rows(read_files(plan, files).rows))
        col = arts["text"] if len(arts) else pd.Series([], dtype=object)
        before += _pickled(col)
        raw += int(sum(len(str(t).encode("utf-8")) for t in col))
        t0 = time.perf_counter()
        sig = signatures(col, spec)
        t_sig += time.perf_counter() - t0
        sig_bytes += _pickled(sig)
        texts.append(col.tolist())
        blocks.append(sig)
    jac = local_jaccard(texts, spec)
    sent, returned, checked = [0], [0], [0]

    def counted(pairs):
        checked[0] += len(pairs)
        sent[0] += _pickled(pairs)
        vals = jac(pairs)
        returned[0] += _pickled(vals)
        return vals

    t0 = time.perf_counter()
    clusters = cluster(blocks, spec, counted)
    t_cluster = time.perf_counter() - t0
    n = sum(len(t) for t in texts)
    whole = pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)],
                          "text": [t for block in texts for t in block]})
    t0 = time.perf_counter()
    expect = near_duplicates(whole)
    t_whole = time.perf_counter() - t0
    got = report_frame(whole["doc_id"], clusters)
    return {"corpus": folder.name, "documents": len(whole), "partitions": len(groups),
            "text_utf8": raw, "before_pickled_text": before,
            "after_signatures": sig_bytes, "after_pair_floats": returned[0],
            "after_total": sig_bytes + returned[0], "pairs_checked": checked[0],
            "pairs_sent_bytes": sent[0],
            "ratio_before_after": round(before / max(1, sig_bytes + returned[0]), 2),
            "dropped": int((~got["is_representative"]).sum()),
            "identical": bool(got.equals(expect)),
            "s_signatures_workers": round(t_sig, 2), "s_cluster_driver": round(t_cluster, 2),
            "s_near_duplicates_whole": round(t_whole, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--partition-mb", type=float, default=0.25)
    args = ap.parse_args(argv)
    rows = [measure(f, args.partition_mb) for f in args.folders]
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return 0 if all(r["identical"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
