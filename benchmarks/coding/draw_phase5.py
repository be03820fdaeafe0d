"""Phase 5 of the coded real sample (issue 15): the phase-4 model's errors on long articles.

After phase 4 the model held out by corpus still had a conduct precision of 0.39-0.50
on the two corpora of full articles and a reform recall of 0.35 on vnds-train. Phase 5
codes, in ``vnds-train`` and ``vn4news2020``, more of the documents the shipped model
(trained on phases 1-4, a fixed, recorded function of the text) calls present or nearly
present, and more documents with a broad administrative word it scores low (where
missed reform articles are). Its first stratum is also a second prospective check:
the share of its new documents coded relevant estimates the frozen model's precision on
documents it was not trained on (``prospective.py --phase 5``).

**Design.** Phase 3's, independent of phases 1-4 (``later_phase.py``): per corpus a fresh
seeded random subframe (``--seed``, default 515; vnds-train 20,000, vn4news2020 6,000),
strata ``p5-positive`` / ``p5-near`` / ``p5-broad``, 50 / 35 / 35 per corpus. The combined
probability is ``pi = 1 - (1 - pi1234) * (1 - q5)`` with
``pi1234 = 1 - (1 - pi123) * (1 - q4)``. For documents new in phase 5, ``pi123`` comes from
replaying phases 1-3 as ``draw_phase4.py`` does (``--old02``, ``--old03``) and ``q4`` from
replaying phase 4's stratum under the model shipped when it was drawn, with the feature
code of then (headlines of pre-segmented articles segmented by the CRF), from a checkout of
602bf23 (``--old04``, ``git worktree add --detach /tmp/old04 602bf23``). Each replay must
give every document of that phase's design its recorded stratum (checked).

Four first coders (packets P1-P4); 60 random new items are coded again blind, coder j+1
second-coding 15 of coder j's items (packets Q1-Q4), never seeing the first verdicts.

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase5.py
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
from draw_phase4 import earlier_probabilities  # type: ignore[import-not-found]  # noqa: E402
from later_phase import (  # type: ignore[import-not-found]  # noqa: E402
    add_checkouts,
    draw_later_phase,
    ids_subset,
    read_designs,
    stratum_rates,
)

from civictext.themes.model import load_theme_model  # noqa: E402

ALLOC = {  # corpus: (positive, near, broad), subframes as later_phase.SUBFRAMES
    "vnds-train": (50, 35, 35),
    "vn4news2020": (50, 35, 35),
}

#: Run with a later phase's checkout first on sys.path: each given document's stratum in
#: that phase, by that checkout's own rule, model and feature code. argv: checkout, corpus
#: file, ids file, result file, the module holding the rule, the rule as an expression of
#: that module, ``arts`` (the given documents) and ``model`` (the checkout's shipped model).
_OLD_LATER = r"""
import importlib, json, sys
old, module, rule = sys.argv[1], sys.argv[5], sys.argv[6]
for p in (old + "/benchmarks", old + "/benchmarks/coding", old):
    sys.path.insert(0, p)
mod = importlib.import_module(module)
import civictext.ingest.reader, civictext.themes.model
for m in (mod, civictext.ingest.reader, civictext.themes.model):
    assert m.__file__.startswith(old), m.__file__
from civictext.ingest.reader import read_corpus
from civictext.themes.model import load_theme_model
arts = read_corpus(sys.argv[2])
want = set(json.load(open(sys.argv[3])))
arts = arts[arts["doc_id"].astype(str).isin(want)].reset_index(drop=True)
st = eval(rule, {module: mod, "arts": arts, "model": load_theme_model()})
json.dump({str(k): v for k, v in st.items()}, open(sys.argv[4], "w"))
"""
#: phase: (module, rule) of the draw of that phase, as its checkout has them
LATER_RULES = {
    4: ("draw_phase4", "draw_phase4._stratum4(arts, model)"),
    5: ("later_phase", "later_phase.stratum_rule(5)(arts.drop_duplicates('doc_id')"
                       ".reset_index(drop=True), model)"),
    7: ("draw_phase7", "draw_phase7.stratum7(arts, model)"),
}


def later_strata(phase: int, src: Path, ids: set[str], old: Path, tmp: Path) -> dict[str, str]:
    """Each given document's stratum in phase ``phase``, replayed from checkout ``old``."""
    (tmp / f"ids{phase}.json").write_text(json.dumps(sorted(ids)))
    res = tmp / f"strata{phase}.json"
    subprocess.run([sys.executable, "-c", _OLD_LATER, str(old), str(src),
                    str(tmp / f"ids{phase}.json"), str(res), *LATER_RULES[phase]],
                   check=True, cwd=tmp)
    return json.loads(res.read_text())


def replayed_rates(phase: int, name: str, lines: list[str], new: set[str], rec: pd.DataFrame,
                   old: Path, tmp: Path) -> tuple[dict[str, str], dict[str, float]]:
    """Phase ``phase``'s replayed strata of ``new`` and of the phase's design rows ``rec`` of
    corpus ``name`` (every recorded stratum must come out again), and the phase's rates."""
    ids = new | set(rec["doc_id"])
    st = later_strata(phase, ids_subset(lines, ids, tmp / f"{name}.sub{phase}.jsonl.gz"), ids,
                      old, tmp)
    got = [st.get(d) or f"p{phase}-none" for d in rec["doc_id"]]
    bad = [d for d, s, g in zip(rec["doc_id"], rec["stratum"], got) if s != g]
    assert not bad, f"{name}: phase-{phase} replay differs for {len(bad)} documents, e.g. {bad[:3]}"
    print(name, f"phase-{phase} replay reproduces every recorded stratum", flush=True)
    return st, stratum_rates(rec, f"q{phase}")


def prior1234(name: str, lines: list[str], new: set[str], tmp: Path, *, d12: pd.DataFrame,
              d3: pd.DataFrame, d4: pd.DataFrame, old02: Path, old03: Path, old04: Path
              ) -> dict[str, float]:
    """``pi1234`` of documents new in a later phase: phases 1-3 and 4 replayed (checked)."""
    pi123 = earlier_probabilities(name, lines, new, d12, d3, old02, old03, tmp)
    st4, q4 = replayed_rates(4, name, lines, new, d4[d4["corpus"] == name], old04, tmp)
    return {d: 1 - (1 - pi123[d]) * (1 - q4.get(st4.get(d, ""), 0.0)) for d in new}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=515)
    ap.add_argument("--packets", default="/tmp/coding5")
    add_checkouts(ap, (2, 3, 4))
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=60)
    args = ap.parse_args()
    d12, d3, d4 = read_designs(4)

    def prior(name: str, lines: list[str], new: set[str], tmp: Path) -> dict[str, float]:
        return prior1234(name, lines, new, tmp, d12=d12, d3=d3, d4=d4, old02=Path(args.old02),
                         old03=Path(args.old03), old04=Path(args.old04))

    with tempfile.TemporaryDirectory() as t:
        draw_later_phase(phase=5, seed=args.seed, alloc=ALLOC, previous=d4,
                         model=load_theme_model(), prior=prior, packets=Path(args.packets),
                         tmp=Path(t), n_coders=args.n_coders, n_second=args.n_second,
                         first_letter="P", second_letter="Q", item_start=4001, second_coders=4)


if __name__ == "__main__":
    main()
