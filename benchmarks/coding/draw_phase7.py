"""Phase 7 of the coded real sample (issue 15): where the shipped model says satisfaction.

After phase 6 the sample held 51 satisfaction positives in 1,892 documents, and the
model's held-out satisfaction F1 was 0.27. Phase 6's vocabulary rule found 11 positives
in 129 documents: most of its hits were "không hài lòng" in other senses, index names in
passing and hotlines for reporting other people's violations. Phase 7 lets the model
choose instead (uncertainty and positive sampling from a model, with known
probabilities): per corpus a fresh seeded random subframe is scored by the model
shipped after phase 6 (a fixed, recorded function of the text), and

* ``p7-sathigh``: its satisfaction probability is at least :data:`SAT_HIGH` times its
  threshold (where the positives it has learnt are);
* ``p7-sat``: at least the threshold (called present, the precision it has there);
* otherwise phase 3's rule under this model: ``p7-positive`` (another theme called
  present), ``p7-near`` (some theme at 0.4-1 times its threshold), ``p7-broad`` (a
  broad administrative word, scored low: where reform and conduct documents it misses
  hide).

Each stratum is a simple random sample of its subframe members, documents coded
earlier included (their codes are reused), so a document's phase-7 probability is
``q7 = m / N * n_s / N_s``. The subframes are drawn from their own generators
(``--frame-seed``), so ``--frames-only`` can score them and print the stratum sizes
before the allocation is fixed and any document is drawn or read.

**Combined probability.** ``pi = 1 - (1 - pi123456) * (1 - q7)``: for documents coded
earlier ``pi123456`` is ``design6.csv``'s ``pi``; for documents new in phase 7 it is
``1 - (1 - pi12345) * (1 - q6)``, with ``pi12345`` from replaying phases 1-5 from their
commits exactly as ``draw_phase6.py`` does (``--old02`` ... ``--old05``, each replay
checked against every recorded stratum) and ``q6`` from phase 6's vocabulary rule
(:func:`draw_phase6.stratum`, unchanged since the draw; checked here against every
recorded phase-6 stratum of the corpus) and phase 6's recorded rates.

Four first coders (packets U1-U4); ``--n-second`` random new items are coded again
blind, coder j+1 second-coding coder j's items (packets V1-V4). Writes
``benchmarks/labels/coded/design7.csv`` (ids, strata, probabilities: no text) and the
packets under ``--packets`` (text: never commit them).

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase7.py --frames-only
    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase7.py
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from draw_phase3 import SUBFRAMES as P3_SUBFRAMES  # type: ignore[import-not-found]  # noqa: E402
from draw_phase3 import _stratum  # type: ignore[import-not-found]  # noqa: E402
from draw_phase6 import pri_before  # type: ignore[import-not-found]  # noqa: E402
from draw_phase6 import stratum as stratum6  # type: ignore[import-not-found]  # noqa: E402
from later_phase import (  # type: ignore[import-not-found]  # noqa: E402
    add_checkouts,
    add_frame_options,
    draw_later_phase,
    ids_subset,
    read_designs,
    stratum_rates,
)

from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.themes.model import load_theme_model  # noqa: E402

STRATA = ("p7-sathigh", "p7-sat", "p7-positive", "p7-near", "p7-broad")
#: ``p7-sathigh``: satisfaction probability at least this many times its threshold
SAT_HIGH = 4.0
#: corpus: (path in the shared corpora, subframe size m)
SUBFRAMES = {"vnds-train": (P3_SUBFRAMES["vnds-train"][0], 25_000),
             "vn4news2020": (P3_SUBFRAMES["vn4news2020"][0], 12_000)}
#: corpus: allocation in the order of STRATA, fixed after ``--frames-only`` printed the
#: subframes' stratum sizes (vnds-train 28 / 35 / 920 / 338 / 9,272, vn4news2020 7 / 6 /
#: 245 / 96 / 4,422) and before any document was drawn or read: the satisfaction strata
#: nearly whole, a few of the others (the model's own errors there)
ALLOC = {
    "vnds-train": (28, 24, 8, 4, 4),
    "vn4news2020": (7, 6, 10, 5, 5),
}


def stratum7(arts: pd.DataFrame, model) -> pd.Series:
    """Each document's phase-7 stratum ("" outside every stratum), by doc_id."""
    pr = model.predict_proba(arts, n_jobs=2)
    pr["r"] = pr["p_model"] / pr["theme"].map(model.thresholds).astype(float)
    ids = arts["doc_id"].astype(str).to_numpy()
    base = _stratum(arts, pr.groupby("doc_id", sort=False)["r"].max())
    base = base.map(lambda s: s.replace("p3-", "p7-") if s else s)
    sat = (pr[pr["theme"] == "satisfaction"].set_index("doc_id")["r"]
           .groupby(level=0).max().reindex(ids).to_numpy())
    out = np.where(sat >= SAT_HIGH, STRATA[0], np.where(sat >= 1, STRATA[1], base.to_numpy()))
    return pd.Series(out, index=ids)


def prior123456(name: str, lines: list[str], new: set[str], tmp: Path, args: argparse.Namespace,
                d12: pd.DataFrame, d3: pd.DataFrame, d4: pd.DataFrame, d5: pd.DataFrame,
                d6: pd.DataFrame) -> dict[str, float]:
    """``pi123456`` of documents new in a later phase: phases 1-5 replayed from their
    commits (:func:`draw_phase6.pri_before`), phase 6's rule checked against every
    recorded phase-6 stratum of the corpus and its recorded rates."""
    pi12345 = pri_before(name, new, tmp, args, d12, d3, d4, d5)
    rec = d6[d6["corpus"] == name]
    ids = new | set(rec["doc_id"])
    arts = read_corpus(ids_subset(lines, ids, tmp / f"{name}.sub6.jsonl.gz"))
    st6 = {str(d): stratum6(str(a or ""), str(b)) or "p6-none" for d, a, b in
           zip(arts["doc_id"], arts["title"].fillna(""), arts["text"])}
    bad = [d for d, s in zip(rec["doc_id"], rec["stratum"]) if st6.get(d) != s]
    assert not bad, f"{name}: phase-6 rule differs for {len(bad)} documents, e.g. {bad[:3]}"
    print(name, "phase-6 rule reproduces every recorded stratum", flush=True)
    q6 = stratum_rates(rec, "q6")
    return {d: 1 - (1 - pi12345[d]) * (1 - q6.get(st6[d], 0.0)) for d in new}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=717)
    add_frame_options(ap, 707)
    ap.add_argument("--packets", default="/tmp/coding7")
    add_checkouts(ap, (2, 3, 4, 5))
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=40)
    args = ap.parse_args()
    d12, d3, d4, d5, d6 = read_designs(6)

    def prior(name: str, lines: list[str], new: set[str], tmp: Path) -> dict[str, float]:
        return prior123456(name, lines, new, tmp, args, d12, d3, d4, d5, d6)

    with tempfile.TemporaryDirectory() as t:
        draw_later_phase(phase=7, seed=args.seed, alloc=ALLOC, previous=d6,
                         model=load_theme_model(), prior=prior, packets=Path(args.packets),
                         tmp=Path(t), n_coders=args.n_coders, n_second=args.n_second,
                         first_letter="U", second_letter="V", item_start=6001, second_coders=4,
                         rule=stratum7, strata=STRATA, subframes=SUBFRAMES,
                         frames_only=args.frames_only, frame_seed=args.frame_seed)


if __name__ == "__main__":
    main()
