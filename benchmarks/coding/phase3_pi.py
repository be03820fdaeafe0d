"""Combined inclusion probabilities of the coded sample after phase 3 (issue 15).

Phases 1-2 and phase 3 are independent samples (``draw_sample.py``,
``draw_phase3.py``), so a document's probability of being coded is

    pi = 1 - (1 - pi12) * (1 - q3)

where ``q3`` is its phase-3 probability (``design3.csv``) and ``pi12`` its
probability under phases 1-2: ``frac * (p1 + (1 - p1) * q2)``, ``frac`` the
frame share, ``p1 = n / N`` of its phase-1 stratum and ``q2`` of its phase-2
supplementary stratum (0 outside them). For documents coded in phases 1-2
``pi12`` is in ``design.csv``. For documents new in phase 3 it is computed here
from their phase-1 stratum, which the 0.2 lexicons define: they are run from a
checkout of the commit the sample was drawn with (``--old``, made with
``git worktree add /tmp/old02 2174ad4``), and the phase-2 word lists of
``draw_sample.py``. The script checks the replay: every phase-1 document of a
corpus must get back its recorded stratum.

Writes ``pi12`` and ``pi`` into ``benchmarks/labels/coded/design3.csv``.

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python \
        benchmarks/coding/phase3_pi.py --old /tmp/old02
"""
from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402
from draw_sample import _BROAD_RE, ADMIN_WORDS, CONDUCT_WORDS, OFFICIAL_WORDS, SAT_WORDS, _any  # noqa: E402

LABELS = HERE.parent / "labels" / "coded"
PATHS = {"vnds-train": "vnds-train/articles.seg.jsonl.gz",
         "vn4news2020": "vn4news2020/articles.jsonl.gz",
         "news-feed": "news-feed/articles.jsonl.gz",
         "dantri-unc": "dantri-unc/articles"}

#: Run inside the old checkout: phase-1 strata (draw_sample.strata of that time) of given ids.
#: It imports that commit's module names, which the subpackage layout (issue 14) renamed.
_OLD = r"""
import sys, json, re
import pandas as pd
sys.path.insert(0, sys.argv[1])
# the module names of that commit (before the subpackage layout), from the checkout only
from civictext.corpus import read_corpus
from civictext.themes import score_themes
import civictext.corpus, civictext.themes
for m in (civictext.corpus, civictext.themes):
    assert m.__file__.startswith(sys.argv[1]), m.__file__
_BROAD_RE = re.compile(sys.argv[2])  # draw_sample's, passed in: it imports today's modules
arts = read_corpus(sys.argv[3])
want = set(json.load(open(sys.argv[4])))
arts = arts[arts["doc_id"].astype(str).isin(want)].reset_index(drop=True)
ids = arts["doc_id"].astype(str)
sc = score_themes(arts, n_tokens=pd.Series(1, index=ids.values))
present = sc.groupby("doc_id")["present"].any().reindex(ids.values).values
mentioned = sc.groupby("doc_id")["mentioned"].any().reindex(ids.values).values
broad = [bool(_BROAD_RE.search(t.lower())) for t in arts["text"]]
out = {}
for d, p, m, b in zip(ids, present, mentioned, broad):
    out[d] = "present" if p else "mentioned" if m else "keyword" if b else "random"
json.dump(out, open(sys.argv[5], "w"))
"""


def _subset(corpus: str, ids: set[str], tmp: Path) -> Path:
    path = shared_root() / PATHS[corpus]
    if path.is_dir():
        return path
    out = tmp / f"{corpus}.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as src, gzip.open(out, "wt", encoding="utf-8") as dst:
        for line in src:
            if str(json.loads(line).get("id")) in ids:
                dst.write(line)
    return out


def old_strata(corpus: str, src: Path, ids: set[str], old: Path, tmp: Path) -> dict[str, str]:
    (tmp / "ids.json").write_text(json.dumps(sorted(ids)))
    res = tmp / f"{corpus}.strata.json"
    subprocess.run([sys.executable, "-c", _OLD, str(old), _BROAD_RE.pattern, str(src),
                    str(tmp / "ids.json"), str(res)], check=True)
    return json.loads(res.read_text())


def texts(src: Path, ids: set[str]) -> dict[str, str]:
    from civictext.ingest.reader import read_corpus

    arts = read_corpus(src)
    arts = arts[arts["doc_id"].astype(str).isin(ids)]
    return dict(zip(arts["doc_id"].astype(str), arts["text"].astype(str)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="checkout of commit 2174ad4")
    args = ap.parse_args()
    d12 = pd.read_csv(LABELS / "design.csv", dtype=str, keep_default_na=False)
    d3 = pd.read_csv(LABELS / "design3.csv", dtype=str, keep_default_na=False)
    rates1 = {(r.corpus, r.stratum): float(r.n_stratum) / float(r.N_stratum)
              for r in d12[d12["phase"] == "1"].drop_duplicates(["corpus", "stratum"]).itertuples()}
    rates2 = {(r.corpus, r.stratum): float(r.n_stratum) / float(r.N_stratum)
              for r in d12[d12["phase"] == "2"].drop_duplicates(["corpus", "stratum"]).itertuples()}
    frac = {r.corpus: float(r.frame_size) / float(r.corpus_size)
            for r in d12.drop_duplicates("corpus").itertuples()}
    known = {(r.corpus, r.doc_id): float(r.pi) for r in d12.itertuples()}
    pi12 = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        new: dict[tuple[str, str], float] = {}
        for corpus, g in d3.groupby("corpus"):
            ids = set(g.loc[g["recoded"] == "1", "doc_id"])
            check = set(d12.loc[(d12["corpus"] == corpus) & (d12["phase"] == "1"), "doc_id"])
            src = _subset(corpus, ids | check, tmp)  # the documents both steps read
            st = old_strata(corpus, src, ids | check, Path(args.old), tmp)
            rec = d12[(d12["corpus"] == corpus) & (d12["phase"] == "1")]
            bad = [(d, s, st.get(d)) for d, s in zip(rec["doc_id"], rec["phase1_stratum"])
                   if st.get(d) != s]
            assert not bad, f"{corpus}: phase-1 strata replay differs for {len(bad)}, e.g. {bad[:3]}"
            tx = texts(src, ids)
            for d in ids:
                t_ = tx[d]
                sat = _any(SAT_WORDS, t_) and _any(ADMIN_WORDS, t_)
                con = _any(CONDUCT_WORDS, t_) and _any(OFFICIAL_WORDS, t_) and not sat
                s2 = "p2-satisfaction" if sat else "p2-conduct" if con else ""
                p1 = rates1.get((corpus, st[d]), 0.0)
                q2 = rates2.get((corpus, s2), 0.0)
                new[(corpus, d)] = frac[corpus] * (p1 + (1 - p1) * q2)
            print(corpus, "phase-1 replay ok;", len(ids), "new documents", flush=True)
    for r in d3.itertuples():
        pi12.append(known.get((r.corpus, r.doc_id), new.get((r.corpus, r.doc_id), np.nan)))
    d3["pi12"] = pi12
    assert d3["pi12"].notna().all()
    d3["pi"] = 1 - (1 - d3["pi12"]) * (1 - d3["q3"].astype(float))
    d3.to_csv(LABELS / "design3.csv", index=False)
    print(d3.groupby(["corpus", "stratum"])[["pi12", "pi"]].median().to_string())


if __name__ == "__main__":
    main()
