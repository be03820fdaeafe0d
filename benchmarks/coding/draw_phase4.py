"""Phase 4 of the coded real sample (issue 15): where the shipped model errs on long articles.

After phase 3 the model held out by corpus had a precision of 0.43-0.45, and
70 % of its false-positive weight lay in vn4news2020, where each coded document
stands for 30-100 others. Phase 4 codes more of the documents the shipped model
(trained on phases 1-3, a fixed, recorded function of the text) calls present or
nearly present in the two corpora of full articles, ``vnds-train`` and
``vn4news2020``, plus documents with a broad administrative word it scores low.

**Design.** The same as phase 3's (``draw_phase3.py``), independent of phases
1-3: per corpus a fresh seeded simple random subframe of ``m`` documents
(``--seed``, default 415); ``r`` is the largest ratio of a theme's probability
to its threshold under the shipped model; strata ``p4-positive`` (``r >= 1``),
``p4-near`` (``0.4 <= r < 1``) and ``p4-broad`` (``r < 0.4`` with a word of
:data:`draw_sample.BROAD`), each sampled by simple random sampling, documents
coded earlier included (their codes are reused). A document's phase-4
probability is ``q4 = m / N * n_s / N_s``; for documents of the other corpora it
is 0. The combined probability is

    pi = 1 - (1 - pi123) * (1 - q4),   pi123 = 1 - (1 - pi12) * (1 - q3)

For documents coded earlier ``pi123`` is ``design3.csv``'s ``pi``. For documents
new in phase 4 both earlier parts are computed from the rules that drew those
phases, run from checkouts of the commits they were drawn with: ``pi12`` from
the 0.2 lexicons' phase-1 stratum and the phase-2 word lists (``--old02``,
``git worktree add --detach /tmp/old02 2174ad4``, as in ``phase3_pi.py``),
``q3`` from the phase-3 stratum under the model shipped then (``--old03``,
``git worktree add --detach /tmp/old03 bb090a2``). Each replay is checked: it
must give every document coded in that phase its recorded stratum.

Writes ``benchmarks/labels/coded/design4.csv`` (ids, strata, probabilities: no
text) and the coding packets, which hold text, under ``--packets`` (default
``/tmp/coding4``, outside the repository: never commit them). ``settle.py`` then
takes ``pi`` from it for every coded document.

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase4.py
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from draw_sample import (  # type: ignore[import-not-found]  # noqa: E402,E501
    _BROAD_RE,
    ADMIN_WORDS,
    CONDUCT_WORDS,
    OFFICIAL_WORDS,
    SAT_WORDS,
    _any,
)
from later_phase import LABELS, draw_later_phase, ids_subset, stratum_rates  # type: ignore[import-not-found]  # noqa: E402,E501
from phase3_pi import old_strata  # type: ignore[import-not-found]  # noqa: E402

from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.themes.model import load_theme_model  # noqa: E402

ALLOC = {  # corpus: (positive, near, broad), subframes as later_phase.SUBFRAMES
    "vnds-train": (55, 40, 20),
    "vn4news2020": (55, 40, 20),
}

#: Run inside the phase-3 checkout: each given document's phase-3 stratum (draw_phase3 then).
_OLD03 = r"""
import re, sys, json
import numpy as np
sys.path.insert(0, sys.argv[1])
from civictext.corpus import read_corpus
from civictext.theme_model import load_theme_model
import civictext.corpus, civictext.theme_model
for m in (civictext.corpus, civictext.theme_model):
    assert m.__file__.startswith(sys.argv[1]), m.__file__
broad_re = re.compile(sys.argv[5])
arts = read_corpus(sys.argv[2])
want = set(json.load(open(sys.argv[3])))
arts = arts[arts["doc_id"].astype(str).isin(want)].reset_index(drop=True)
model = load_theme_model()
# draw_phase3._ratio and _stratum as they were (that file came with the phase-3 commit)
pr = model.predict_proba(arts, n_jobs=2)
pr["r"] = pr["p_model"] / pr["theme"].map(model.thresholds).astype(float)
r = pr.groupby("doc_id", sort=False)["r"].max()
out = {}
for d, t in zip(arts["doc_id"].astype(str), arts["text"].astype(str)):
    rr = r[d]
    out[d] = ("p3-positive" if rr >= 1 else "p3-near" if rr >= 0.4 else
              "p3-broad" if broad_re.search(t.lower()) else "")
json.dump(out, open(sys.argv[4], "w"))
"""


def phase3_strata(src: Path, ids: set[str], old: Path, tmp: Path) -> dict[str, str]:
    (tmp / "ids3.json").write_text(json.dumps(sorted(ids)))
    res = tmp / "strata3.json"
    subprocess.run([sys.executable, "-c", _OLD03, str(old), str(src), str(tmp / "ids3.json"),
                    str(res), _BROAD_RE.pattern], check=True)
    return json.loads(res.read_text())


def earlier_probabilities(name: str, lines: list[str], new: set[str], d12: pd.DataFrame,
                          d3: pd.DataFrame, old02: Path, old03: Path, tmp: Path
                          ) -> dict[str, float]:
    """``pi123`` of documents new in phase 4, from replays of phases 1-2 and 3 (checked)."""
    rec1 = d12[(d12["corpus"] == name) & (d12["phase"] == "1")]
    rec3 = d3[d3["corpus"] == name]
    src = ids_subset(lines, new | set(rec1["doc_id"]) | set(rec3["doc_id"]), tmp / f"{name}.sub.jsonl.gz")
    st1 = old_strata(name, src, new | set(rec1["doc_id"]), old02, tmp)
    bad = [d for d, s in zip(rec1["doc_id"], rec1["phase1_stratum"]) if st1.get(d) != s]
    assert not bad, f"{name}: phase-1 replay differs for {len(bad)} documents, e.g. {bad[:3]}"
    st3 = phase3_strata(src, new | set(rec3["doc_id"]), old03, tmp)
    got = [st3.get(d) or "p3-none" for d in rec3["doc_id"]]
    bad = [d for d, s, g in zip(rec3["doc_id"], rec3["stratum"], got) if s != g]
    assert not bad, f"{name}: phase-3 replay differs for {len(bad)} documents, e.g. {bad[:3]}"
    print(name, "phase-1 and phase-3 replays reproduce every recorded stratum", flush=True)
    rates1 = {r.stratum: float(r.n_stratum) / float(r.N_stratum)
              for r in rec1.drop_duplicates("stratum").itertuples()}
    rec2 = d12[(d12["corpus"] == name) & (d12["phase"] == "2")]
    rates2 = {r.stratum: float(r.n_stratum) / float(r.N_stratum)
              for r in rec2.drop_duplicates("stratum").itertuples()}
    frac = float(rec1["frame_size"].iloc[0]) / float(rec1["corpus_size"].iloc[0])
    q3 = stratum_rates(rec3, "q3")
    arts = read_corpus(src)
    text = dict(zip(arts["doc_id"].astype(str), arts["text"].astype(str)))
    out = {}
    for d in new:
        t = text[d]
        sat = _any(SAT_WORDS, t) and _any(ADMIN_WORDS, t)
        con = _any(CONDUCT_WORDS, t) and _any(OFFICIAL_WORDS, t) and not sat
        s2 = "p2-satisfaction" if sat else "p2-conduct" if con else ""
        p1 = rates1.get(st1[d], 0.0)
        pi12 = frac * (p1 + (1 - p1) * rates2.get(s2, 0.0))
        out[d] = 1 - (1 - pi12) * (1 - q3.get(st3.get(d, ""), 0.0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=415)
    ap.add_argument("--packets", default="/tmp/coding4")
    ap.add_argument("--old02", default="/tmp/old02", help="checkout of commit 2174ad4")
    ap.add_argument("--old03", default="/tmp/old03", help="checkout of commit bb090a2")
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=60)
    ap.add_argument("--out", default=None, help="design file (default design4.csv)")
    args = ap.parse_args()
    d12 = pd.read_csv(LABELS / "design.csv", dtype=str, keep_default_na=False)
    d3 = pd.read_csv(LABELS / "design3.csv", dtype=str, keep_default_na=False)

    def prior(name: str, lines: list[str], new: set[str], tmp: Path) -> dict[str, float]:
        return earlier_probabilities(name, lines, new, d12, d3, Path(args.old02),
                                     Path(args.old03), tmp)

    with tempfile.TemporaryDirectory() as t:
        draw_later_phase(phase=4, seed=args.seed, alloc=ALLOC, previous=d3,
                         model=load_theme_model(), prior=prior, packets=Path(args.packets),
                         tmp=Path(t), n_coders=args.n_coders, n_second=args.n_second,
                         first_letter="K", second_letter="L", item_start=3001,
                         out=Path(args.out) if args.out else None)


if __name__ == "__main__":
    main()
